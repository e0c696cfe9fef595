using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Runs;

/// <summary>
/// Pinned node outputs of a manual test run (the editor's "pin this output"): a pinned node returns its pin instead of
/// running, so later nodes can be developed without calling the tool again. Only a run started by a person from the API
/// with pins has the <see cref="Trigger"/> <c>test</c>, and only such a run is ever fed pins; webhook, schedule, MCP and
/// replay runs never are.
/// </summary>
internal sealed class RunPins(IDbContextFactory<ControlTowerDbContext> contexts)
{
    public const string Trigger = "test";
    public const int MaxPins = 50;

    private const int CacheCapacity = 1024;
    private readonly ConcurrentDictionary<Guid, IReadOnlyDictionary<string, JsonNode?>> _cache = new();

    /// <summary>Refuses pins on nodes the version does not have, on triggers, and more than <see cref="MaxPins"/>.</summary>
    public static void Validate(WorkflowDefinition definition, IReadOnlyDictionary<string, JsonNode?> pins)
    {
        if (pins.Count > MaxPins)
        {
            throw new ControlTowerException(ErrorKind.Validation, RunPinErrorCodes.PinInvalid, $"A test run takes at most {MaxPins} pinned nodes.");
        }

        foreach (var nodeId in pins.Keys)
        {
            var node = definition.Plan.Nodes.FirstOrDefault(n => n.Id == nodeId);
            if (node is null || node.IsTrigger)
            {
                throw new ControlTowerException(ErrorKind.Validation, RunPinErrorCodes.PinInvalid,
                    node is null ? $"Pinned node '{nodeId}' is not in version {definition.Version} of the workflow." : $"Node '{nodeId}' is a trigger; its output is the run's input.");
            }
        }
    }

    /// <summary>Adds the pins of a new test run to the unit of work that starts it.</summary>
    public static void Add(ControlTowerDbContext db, Guid runId, IReadOnlyDictionary<string, JsonNode?> pins, DateTime now)
    {
        foreach (var (nodeId, output) in pins)
        {
            db.Add(new RunPinEntity { RunId = runId, NodeId = nodeId, Output = output?.ToJsonString(), CreatedAt = now });
        }
    }

    /// <summary>
    /// The pinned result of the node in this run: its pin, with <c>success</c> or else the node's first outcome (an approval's
    /// <c>approved</c>); null unless the run is a manual test run with a pin on the node.
    /// </summary>
    public async Task<NodeResult?> PinnedAsync(RunEntity run, PlanNode node, CancellationToken cancellationToken)
    {
        if (run.Trigger != Trigger)
        {
            return null;
        }

        var pins = await PinsAsync(run.Id, cancellationToken);
        if (!pins.TryGetValue(node.Id, out var output))
        {
            return null;
        }

        var outcome = node.Outcomes.Contains("success") || node.Outcomes.IsEmpty ? "success" : node.Outcomes[0];
        return new NodeResult.Completed(outcome, output?.DeepClone());
    }

    private async Task<IReadOnlyDictionary<string, JsonNode?>> PinsAsync(Guid runId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(runId, out var cached))
        {
            return cached;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<RunPinEntity>().AsNoTracking().Where(p => p.RunId == runId).ToListAsync(cancellationToken);
        var pins = rows.ToDictionary(p => p.NodeId, p => p.Output is null ? null : JsonNode.Parse(p.Output), StringComparer.Ordinal);
        if (_cache.Count >= CacheCapacity)
        {
            _cache.Clear();
        }

        _cache[runId] = pins;
        return pins;
    }
}

/// <summary>Stable codes of pinned test data.</summary>
internal static class RunPinErrorCodes
{
    /// <summary>A pin names a node the workflow version does not have, or a trigger, or there are too many pins.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string PinInvalid = "run.pin_invalid";
}

/// <summary>One pinned node output of a test run.</summary>
internal sealed class RunPinEntity
{
    public Guid RunId { get; set; }

    public string NodeId { get; set; } = "";

    public string? Output { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class RunPinEntityConfiguration : IEntityTypeConfiguration<RunPinEntity>
{
    public void Configure(EntityTypeBuilder<RunPinEntity> builder)
    {
        builder.ToTable("run_pins");
        builder.HasKey(p => new { p.RunId, p.NodeId });
        builder.Property(p => p.NodeId).HasMaxLength(64);
    }
}
