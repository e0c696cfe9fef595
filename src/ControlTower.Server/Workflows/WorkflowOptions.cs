using System.ComponentModel.DataAnnotations;
using ControlTower.Core.Graphs;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Workflows;

internal sealed class WorkflowOptions
{
    [ConfigurationKeyName("WORKFLOW_MAX_NODES")]
    [Range(1, 100_000)]
    public int MaxNodes { get; set; } = GraphLimits.Default.MaxNodes;

    [ConfigurationKeyName("WORKFLOW_MAX_EDGES")]
    [Range(1, 1_000_000)]
    public int MaxEdges { get; set; } = GraphLimits.Default.MaxEdges;

    [ConfigurationKeyName("WORKFLOW_MAX_NODE_CONFIG_BYTES")]
    [Range(256, 16 * 1024 * 1024)]
    public int MaxNodeConfigBytes { get; set; } = GraphLimits.Default.MaxNodeConfigBytes;

    [ConfigurationKeyName("WORKFLOW_MAX_CONFIG_BYTES")]
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxTotalConfigBytes { get; set; } = GraphLimits.Default.MaxTotalConfigBytes;

    /// <summary>The largest <c>config.stepBudget</c> a graph may set; above it the save is refused.</summary>
    [ConfigurationKeyName("WORKFLOW_MAX_STEP_BUDGET")]
    [Range(1, 10_000_000)]
    public int MaxStepBudget { get; set; } = GraphLimits.Default.MaxStepBudget;

    public GraphLimits Limits => new(MaxNodes, MaxEdges, MaxNodeConfigBytes, MaxTotalConfigBytes, MaxStepBudget);
}
