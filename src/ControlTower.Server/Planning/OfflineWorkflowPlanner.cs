using ControlTower.Core.Planning;

namespace ControlTower.Server.Planning;

/// <summary>The offline planner of Core behind the seam: deterministic, no I/O, the embedded default.</summary>
internal sealed class OfflineWorkflowPlanner : IWorkflowPlanner
{
    public const string PlannerName = "offline";

    public string Name => PlannerName;

    public Task<PlanDraft> PlanAsync(PlanRequest request, DraftChecker checker, CancellationToken cancellationToken) =>
        Task.FromResult(new PlanDraft(null, [], [], [new PlanProblem("planner.offline_pending", "pending merge", null)], PlannerName, null));
}
