using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Core.Demo;
using ControlTower.Core.Errors;
using ControlTower.Core.Trust;
using ControlTower.Server.Governance;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Trust;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>What a case driver needs from its simulation: the workflow, who submits, who decides, and how.</summary>
internal sealed record CaseSetting(Guid JobId, Guid WorkflowId, Guid SubmitterId, ClaimsPrincipal Pharmacist, ClaimsPrincipal Prescriber, ApproverProfile Approver, int Seed);

/// <summary>One case's end: the run, its outcome, the decisions made, whether the dispense ran without a person, the stage after it.</summary>
internal sealed record CaseResult(Guid RunId, string Outcome, IReadOnlyList<SimulatedDecision> Decisions, bool DispensedAutomatically, TrustStage StageAfter);

/// <summary>
/// Drives one refill case through the real engine: starts the run (as the refill bot), and whenever the run waits on an
/// approval, has the synthetic approver decide it through <see cref="ApprovalService"/> (as a person would, audited under
/// the synthetic user's name), until the run ends. Cancelled, it cancels the run (pending approvals close as cancelled) and
/// waits for that to be committed, so no case is left half-done.
/// </summary>
internal sealed partial class CaseDriver(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RunStarter starter,
    RunService runs,
    RunEventNotifier notifier,
    ApprovalService approvals,
    TimeProvider time,
    ILogger<CaseDriver> logger)
{
    public const string Actor = "system:demo-simulation";
    public const string Cancelled = "cancelled";
    public const string TimedOut = "timed_out";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Starts the case's run (as the refill bot). Not cancellable: a start is one commit, and a started case is seen through or cancelled.</summary>
    public async Task<Guid> StartAsync(CaseSetting setting, RefillCase refill)
    {
        var started = await starter.StartAsync(new StartRunRequest(setting.WorkflowId, refill.Input.DeepClone(), "manual", setting.SubmitterId,
            $"user:{DemoActors.Submitter}", $"sim:{setting.JobId}:{refill.Index}"), CancellationToken.None);
        return started.Run.Id;
    }

    /// <summary>Decides what the run asks for until it ends; cancelled, the run is cancelled and the case ends <see cref="Cancelled"/>.</summary>
    public async Task<CaseResult> DriveAsync(CaseSetting setting, RefillCase refill, Guid runId, CancellationToken cancellationToken)
    {
        var decisions = new List<SimulatedDecision>();
        string outcome;
        try
        {
            outcome = await DriveLoopAsync(setting, refill, runId, decisions, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await EndAsync(runId, "the demo simulation was cancelled");
            outcome = Cancelled;
        }

        var (automatic, stage) = await AfterAsync(runId);
        return new CaseResult(runId, outcome, decisions, automatic, stage);
    }

    /// <summary>Decides each approval the run waits on until it ends; its outcome, or <see cref="TimedOut"/> (the run is then cancelled).</summary>
    private async Task<string> DriveLoopAsync(CaseSetting setting, RefillCase refill, Guid runId, List<SimulatedDecision> decisions, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + CaseTimeout;
        while (true)
        {
            var next = notifier.NextAsync(runId);
            var (run, pending) = await ReadAsync(runId, cancellationToken);
            if (IsFinished(run.Status))
            {
                return RefillCases.Outcome(run.Status, run.Output is null ? null : JsonNode.Parse(run.Output));
            }

            if (pending is not null)
            {
                await DecideAsync(setting, refill, run, pending, decisions);
                continue;
            }

            if (time.GetUtcNow() > deadline)
            {
                Log.CaseTimedOut(logger, refill.Index, runId);
                await EndAsync(runId, "the simulated case did not finish in time");
                return TimedOut;
            }

            await Task.WhenAny(next, Task.Delay(Poll, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task DecideAsync(CaseSetting setting, RefillCase refill, RunEntity run, ApprovalEntity approval, List<SimulatedDecision> decisions)
    {
        var facts = RefillCases.Facts(approval.Evidence is null ? null : JsonNode.Parse(approval.Evidence)) ?? refill.Facts;
        var step = RefillCases.Step(approval.NodeId, approval.NodeType);
        var decision = SyntheticApprover.Decide(setting.Approver, setting.Seed, $"{refill.Index}:{approval.NodeId}:{approval.Attempt}", facts, step);
        var vote = decision.Approve ? "approve" : "reject";
        var who = step == ApprovalStep.Renewal ? setting.Prescriber : setting.Pharmacist;
        try
        {
            // Not the job's token: a decision is one transaction, and once asked for it should land or not at all.
            await approvals.DecideAsync(approval.Id, who, $"sim:{setting.JobId}:{approval.Id}",
                new DecisionBody(vote, $"simulated {step.ToString().ToLowerInvariant()}: {decision.Reason}; took {decision.LatencySeconds} s (simulated)"), CancellationToken.None);
        }
        catch (ControlTowerException ex) when (ex.Code == GovernanceErrorCodes.ApprovalClosed)
        {
            // Closed meanwhile (expired or cancelled): the run moves on without this decision.
            return;
        }

        decisions.Add(new SimulatedDecision(approval.NodeId, step.ToString().ToLowerInvariant(), vote, decision.LatencySeconds, decision.Reason));
    }

    /// <summary>Cancels the run (closing its pending approvals) unless it already ended, and waits until the end is committed.</summary>
    private async Task EndAsync(Guid runId, string reason)
    {
        try
        {
            await runs.CancelAsync(Actor, runId, reason, CancellationToken.None);
        }
        catch (ControlTowerException ex) when (ex.Kind == ErrorKind.Conflict)
        {
            // It ended on its own first.
        }

        var deadline = time.GetUtcNow() + CaseTimeout;
        while (!IsFinished((await ReadAsync(runId, CancellationToken.None)).Run.Status) && time.GetUtcNow() < deadline)
        {
            await Task.Delay(Poll, CancellationToken.None);
        }
    }

    private async Task<(RunEntity Run, ApprovalEntity? Pending)> ReadAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == runId, cancellationToken);
        var pending = await db.Set<ApprovalEntity>().AsNoTracking()
            .Where(a => a.RunId == runId && a.Status == ApprovalService.Pending)
            .OrderBy(a => a.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        return (run, pending);
    }

    /// <summary>Whether the dispense ran without a person (a trust stage authorized it), and the dispense scope's stage now.</summary>
    private async Task<(bool Automatic, TrustStage Stage)> AfterAsync(Guid runId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var authorizedBy = await db.Set<ExecutionEntity>().AsNoTracking()
            .Where(e => e.RunId == runId && e.NodeId == RefillCases.DispenseNodeId)
            .Select(e => e.AuthorizedBy)
            .FirstOrDefaultAsync();
        var key = RefillCases.DispenseScope.Key;
        var stage = await db.Set<TrustScopeEntity>().AsNoTracking().Where(s => s.ScopeKey == key).Select(s => s.Stage).FirstOrDefaultAsync();
        TrustStages.TryParse(stage, out var parsed);
        return (authorizedBy?.StartsWith("trust:", StringComparison.Ordinal) == true, parsed);
    }

    public static bool IsFinished(string status) => status is "completed" or "failed" or "cancelled";

    private static partial class Log
    {
        [LoggerMessage(EventId = 9501, Level = LogLevel.Warning, Message = "Simulated case {Index} (run {RunId}) did not finish in time; its run is cancelled")]
        public static partial void CaseTimedOut(ILogger logger, int index, Guid runId);
    }
}
