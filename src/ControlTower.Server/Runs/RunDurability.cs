using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Workflows;

namespace ControlTower.Server.Runs;

/// <summary>
/// Where a run's durability boundaries are (README "Durability contract"). By default a worker runs a
/// run's side-effect-free, deterministic nodes back to back in memory and commits them together at the
/// next boundary; a workflow with <c>config.durability: "step"</c> commits after every node.
/// </summary>
internal static class RunDurability
{
    public const string Step = "step";

    public const string Checkpoint = "checkpoint";

    /// <summary>The most node results one coalesced commit carries (bounds a commit's size and the work a crash repeats).</summary>
    public const int MaxStretch = 256;

    // The node types whose result depends only on their activation and config, and that touch nothing outside the run.
    private static readonly FrozenSet<string> InlineTypes = FrozenSet.Create(StringComparer.Ordinal, "transform", "condition", "switch", "merge", "respond", "fail");

    public static bool Coalesces(WorkflowDefinition definition) =>
        !(definition.Graph.Config["durability"] is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == Step);

    public static bool RunsInline(PlanNode node) =>
        InlineTypes.Contains(node.Type) && !node.Descriptor.HasSideEffects && node.Descriptor.IsDeterministic;
}
