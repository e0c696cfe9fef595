using ControlTower.Core.Planning;
using ControlTower.Server.Workflows;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Planning;

/// <summary>
/// Core's <see cref="OfflinePlanner"/> behind the seam: deterministic, no I/O, no model; the embedded default. It checks
/// its own draft against the graph rules with the server's limits; <see cref="PlannerService"/> adds the tool check.
/// </summary>
internal sealed class OfflineWorkflowPlanner(IOptions<WorkflowOptions> options, IOptions<PlannerOptions> planner) : IWorkflowPlanner
{
    public const string PlannerName = OfflinePlanner.PlannerName;

    private readonly OfflinePlanner _planner = new(options.Value.Limits, planner.Value.MaxPromptChars);

    public string Name => PlannerName;

    public Task<PlanDraft> PlanAsync(PlanRequest request, DraftChecker checker, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_planner.Plan(request));
    }
}
