using ControlTower.Core.Planning;

namespace ControlTower.Server.Planning;

/// <summary>
/// The planning seam: plain language (and, for a refinement, the graph being refined) to a draft. Two implementations:
/// <see cref="OfflineWorkflowPlanner"/> (deterministic, the embedded default) and <see cref="LlmWorkflowPlanner"/>.
/// <see cref="PlannerService"/> picks one and validates whatever it returns once more.
/// </summary>
internal interface IWorkflowPlanner
{
    /// <summary><c>offline</c> or <c>llm</c>, as <see cref="PlanDraft.Planner"/> reports it.</summary>
    string Name { get; }

    Task<PlanDraft> PlanAsync(PlanRequest request, DraftChecker checker, CancellationToken cancellationToken);
}
