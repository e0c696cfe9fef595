using ControlTower.Core.Demo;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Demo.Simulation;

/// <summary><c>POST /api/demo/simulations</c>: how many cases, their mix (kind → weight), the seed, the approver, an optional failure burst.</summary>
internal sealed record SimulationBody(int? Cases, Dictionary<string, double>? Mix, int? Seed, ApproverBody? Approver, FailureBurstBody? FailureBurst);

internal sealed record ApproverBody(double? Strictness, double? Noise, double? MedianLatencySeconds);

/// <summary>Cases <see cref="AtCase"/> … <see cref="AtCase"/> + <see cref="Count"/> − 1 ask for a drug kept short, so their dispense fails.</summary>
internal sealed record FailureBurstBody(int? AtCase, int? Count);

internal sealed record FailureBurst(int AtCase, int Count);

/// <summary>A validated simulation request.</summary>
internal sealed record SimulationRequest(int Cases, IReadOnlyDictionary<string, double> Mix, int Seed, ApproverProfile Approver, FailureBurst? FailureBurst)
{
    public const int MaxCases = 5000;
    public const int DefaultSeed = 42;

    public static SimulationRequest From(SimulationBody? body)
    {
        var cases = body?.Cases ?? 200;
        if (cases is < 1 or > MaxCases)
        {
            throw Invalid($"cases must be between 1 and {MaxCases}.");
        }

        var defaults = ApproverProfile.Default;
        var approver = new ApproverProfile(
            body?.Approver?.Strictness ?? defaults.Strictness, body?.Approver?.Noise ?? defaults.Noise, body?.Approver?.MedianLatencySeconds ?? defaults.MedianLatencySeconds);
        if (approver.Problems() is { Count: > 0 } problems)
        {
            throw Invalid(string.Join("; ", problems) + ".");
        }

        FailureBurst? burst = null;
        if (body?.FailureBurst is { } b)
        {
            burst = new FailureBurst(b.AtCase ?? Math.Max(1, cases - 10), b.Count ?? 3);
            if (burst.Count is < 1 or > 50 || burst.AtCase < 1 || burst.AtCase + burst.Count - 1 > cases)
            {
                throw Invalid("failureBurst: count must be 1..50 and atCase .. atCase + count - 1 must lie within the cases.");
            }
        }

        return new SimulationRequest(cases, RefillCases.Mix(body?.Mix), body?.Seed ?? DefaultSeed, approver, burst);
    }

    private static ControlTowerException Invalid(string message) => new(ErrorKind.Validation, DemoErrorCodes.SimulationInvalid, message);
}

/// <summary>One decision the synthetic people made: the node, approve or reject, the simulated seconds it took and why.</summary>
internal sealed record SimulatedDecision(string NodeId, string Step, string Decision, double LatencySeconds, string Reason);

/// <summary>One case as the job reports it.</summary>
internal sealed record SimulatedCaseView(
    int Index, string Kind, string Rx, Guid? RunId, string Outcome, bool InjectedFailure, bool DispensedAutomatically, string StageAfter, IReadOnlyList<SimulatedDecision> Decisions);

/// <summary>Running totals of a simulation.</summary>
internal sealed record SimulationCounts(
    int HumanDecisions, int GovernedHumanDecisions, int Approved, int Rejected, int AutomaticDispenses, int Restocks,
    double SimulatedPersonSeconds, IReadOnlyDictionary<string, int> Outcomes);

/// <summary>A point where the dispense scope's stage moved: after which case, and to what.</summary>
internal sealed record StagePoint(int AfterCase, string Stage);

/// <summary>A simulation job as <c>GET /api/demo/simulations/{id}</c> and its progress stream show it.</summary>
internal sealed record SimulationView(
    Guid Id, string Status, int Cases, int Done, int Seed, IReadOnlyDictionary<string, double> Mix, ApproverProfile Approver, FailureBurst? FailureBurst,
    string ScopeKey, string Stage, IReadOnlyList<StagePoint> Stages, SimulationCounts Counts, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    double ElapsedSeconds, double CasesPerSecond, SimulationFigures? Figures, IReadOnlyList<SimulatedCaseView> Recent, string? Error);

/// <summary>The job with every case (the view's <see cref="SimulationView.Recent"/> holds only the newest).</summary>
internal sealed record SimulationDetail(SimulationView Simulation, IReadOnlyList<SimulatedCaseView> CaseList);

/// <summary>The job's statuses.</summary>
internal static class SimulationStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
}
