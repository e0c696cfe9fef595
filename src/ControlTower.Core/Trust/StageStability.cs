using ControlTower.Core.Trust.Learning;

namespace ControlTower.Core.Trust;

/// <summary>
/// A stationary scope for <see cref="StageStability"/>: a person approves with <see cref="ApprovalRate"/>, an executed
/// action succeeds with <see cref="SuccessRate"/> (and the model predicts exactly that, so it is calibrated), one
/// proposal every <see cref="Interval"/>.
/// </summary>
public sealed record StationaryScope(string Name, double ApprovalRate, double SuccessRate, TimeSpan Interval);

/// <summary>One stage change in a simulated run: at which proposal, from and to, by which rule.</summary>
public sealed record SimulatedChange(int Proposal, TrustStage From, TrustStage To, string Rule);

/// <summary>
/// A simulated run of a stationary scope. The scope has converged at <see cref="ConvergedAt"/>: the proposal from which
/// on it first holds <see cref="SettledStage"/>, the stage it held longest over the run's second half.
/// </summary>
public sealed record StabilityRun(
    StationaryScope Scope,
    int Proposals,
    int Events,
    TrustStage SettledStage,
    int ConvergedAt,
    IReadOnlyList<SimulatedChange> Changes)
{
    public int ChangesAfterConvergence => Changes.Count(c => c.Proposal > ConvergedAt);

    /// <summary>Stage changes per 1,000 proposals after convergence (each proposal is 2–3 trust events, so per 1,000 events it is lower still).</summary>
    public double ChangesPer1000 => Proposals - ConvergedAt <= 0 ? 0 : ChangesAfterConvergence * 1000.0 / (Proposals - ConvergedAt);
}

/// <summary>How many consecutive failures it took to leave <see cref="From"/> (null: it never left within the failures tried).</summary>
public sealed record DemotionRun(TrustStage From, int? FailuresToDemote, TrustStage To, string? Rule);

/// <summary>
/// Simulates a scope's events through <see cref="ScopeMetricsCalculator"/> and <see cref="StagePolicy"/> exactly as the
/// server evaluates them — after every event, over the newest events of the window — so the stage behaviour the issue
/// asks for can be measured (the benchmark) and held (a deterministic test): under a stationary stream a scope changes
/// stage rarely once it has converged, and it demotes within the failure-streak limit. Pure and seeded.
/// </summary>
public static class StageStability
{
    private static readonly TimeSpan DecisionDelay = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExecutionDelay = TimeSpan.FromSeconds(90);

    public static StabilityRun Run(StationaryScope scope, int proposals, ulong seed, TrustPolicy policy, MetricsWindow window, DateTimeOffset start)
    {
        var random = new SplitMix64(seed);
        var simulation = new Simulation(policy, window, start);
        var stages = new TrustStage[proposals];
        for (var i = 0; i < proposals; i++)
        {
            stages[i] = simulation.State.Stage;
            simulation.Propose(i, start + (scope.Interval * i), scope.SuccessRate, random.NextDouble() < scope.ApprovalRate, random.NextDouble() < scope.SuccessRate);
        }

        var settled = stages[(proposals / 2)..].GroupBy(s => s).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).First().Key;
        var convergedAt = Array.IndexOf(stages, settled);
        return new StabilityRun(scope, proposals, simulation.EventCount, settled, convergedAt, simulation.Changes);
    }

    /// <summary>
    /// Runs <paramref name="scope"/> until it first reaches <paramref name="from"/> (within <paramref name="maxProposals"/>),
    /// then makes every further action fail, and counts the failures until the scope leaves the stage.
    /// </summary>
    public static DemotionRun FailuresToDemote(StationaryScope scope, TrustStage from, int maxProposals, int maxFailures, ulong seed, TrustPolicy policy, MetricsWindow window, DateTimeOffset start)
    {
        var random = new SplitMix64(seed);
        var simulation = new Simulation(policy, window, start);
        var i = 0;
        for (; i < maxProposals && simulation.State.Stage != from; i++)
        {
            simulation.Propose(i, start + (scope.Interval * i), scope.SuccessRate, random.NextDouble() < scope.ApprovalRate, random.NextDouble() < scope.SuccessRate);
        }

        if (simulation.State.Stage != from)
        {
            return new DemotionRun(from, null, simulation.State.Stage, null);
        }

        for (var failures = 1; failures <= maxFailures; failures++, i++)
        {
            // Approved, so even at a person-decided stage the action runs (and fails).
            simulation.Propose(i, start + (scope.Interval * i), scope.SuccessRate, approved: true, succeeded: false);
            if (simulation.State.Stage != from)
            {
                return new DemotionRun(from, failures, simulation.State.Stage, simulation.Changes[^1].Rule);
            }
        }

        return new DemotionRun(from, null, from, null);
    }

    /// <summary>One scope's event log and stage state, evaluated after every event.</summary>
    private sealed class Simulation(TrustPolicy policy, MetricsWindow window, DateTimeOffset start)
    {
        private static readonly StageLimits Open = new(TrustStage.FullAuto, KillSwitch: false);
        private readonly List<TrustEventRecord> _events = [];

        public StageState State { get; private set; } = StageState.Initial(start);

        public List<SimulatedChange> Changes { get; } = [];

        public int EventCount { get; private set; }

        public void Propose(int index, DateTimeOffset at, double predictedSuccess, bool approved, bool succeeded)
        {
            var id = $"p{index}";
            var stage = State.Stage;
            Record(index, new TrustEventRecord(TrustEventKinds.Proposal, id, at, PredictedSuccess: predictedSuccess, Anomalous: false));
            var result = succeeded ? TrustEventKinds.Succeeded : TrustEventKinds.Failed;
            if (stage >= TrustStage.GuardedAuto)
            {
                Record(index, new TrustEventRecord(TrustEventKinds.Execution, id, at + ExecutionDelay, result, Mode: stage.Name()));
                return;
            }

            Record(index, new TrustEventRecord(TrustEventKinds.Decision, id, at + DecisionDelay, approved ? TrustEventKinds.Approved : TrustEventKinds.Rejected, DecisionDelay.TotalSeconds));
            if (approved)
            {
                Record(index, new TrustEventRecord(TrustEventKinds.Execution, id, at + ExecutionDelay, result, Mode: TrustModes.Person));
            }
        }

        private void Record(int index, TrustEventRecord record)
        {
            _events.Add(record);
            EventCount++;
            if (_events.Count > window.MaxEvents * 2)
            {
                // Only the newest MaxEvents count; keep a margin so the window's own trimming decides.
                _events.RemoveRange(0, _events.Count - window.MaxEvents);
            }

            var metrics = ScopeMetricsCalculator.Compute(_events, State.Since, record.At, window);
            var decision = StagePolicy.Evaluate(metrics, State, Open, policy, record.At);
            if (decision.Changed)
            {
                Changes.Add(new SimulatedChange(index, decision.From, decision.Next.Stage, decision.Rule));
            }

            State = decision.Next;
        }
    }
}
