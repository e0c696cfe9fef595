using System.Buffers;
using System.ComponentModel;
using System.Text.Json;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace ControlTower.Server.Workflows;

/// <summary>
/// A workflow version ready to run: its graph, compiled plan and author (the principal of a start without a caller).
/// Immutable: the in-process cache level hands out this instance.
/// </summary>
[ImmutableObject(true)]
internal sealed record WorkflowDefinition(Guid WorkflowId, int Version, string Name, WorkflowGraph Graph, RunPlan Plan, string GraphJson, Guid AuthorId);

/// <summary>
/// Loads workflow versions for the runner through the <see cref="SharedCache"/>. Versions are immutable, so an entry
/// is never invalidated, only expires: another process finds the version in Redis and compiles it without the database.
/// </summary>
internal sealed class WorkflowDefinitions(IDbContextFactory<ControlTowerDbContext> contexts, WorkflowGraphValidation validation, SharedCache cache)
{
    public const string CacheName = "workflow-definitions";

    // "workflow-definition", not the earlier "workflow-version": the Redis form gained the author, which an entry an
    // older process wrote lacks.
    public ValueTask<WorkflowDefinition> GetAsync(Guid workflowId, int version, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(CacheName, $"workflow-definition:{workflowId:N}:{version}", ct => LoadAsync(workflowId, version, ct), cancellationToken);

    private async ValueTask<WorkflowDefinition> LoadAsync(Guid workflowId, int version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .SingleOrDefaultAsync(v => v.WorkflowId == workflowId && v.Version == version, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, WorkflowErrorCodes.VersionNotFound, $"Workflow {workflowId} has no version {version}.");
        var name = await db.Set<WorkflowEntity>().Where(w => w.Id == workflowId).Select(w => w.Name).SingleAsync(cancellationToken);
        return Compile(validation, workflowId, version, name, row.Graph, row.AuthorId);
    }

    public static WorkflowDefinition Compile(WorkflowGraphValidation validation, Guid workflowId, int version, string name, string graphJson, Guid authorId)
    {
        var graph = WorkflowGraph.Parse(graphJson);
        return new WorkflowDefinition(workflowId, version, name, graph, RunPlan.Compile(graph, validation.Catalog), graphJson, authorId);
    }
}

/// <summary>A definition in Redis is its stored graph JSON; a process that reads it there compiles the plan itself.</summary>
internal sealed class WorkflowDefinitionSerializer(WorkflowGraphValidation validation) : IHybridCacheSerializer<WorkflowDefinition>
{
    public WorkflowDefinition Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new Utf8JsonReader(source);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        return WorkflowDefinitions.Compile(validation, root.GetProperty("workflowId").GetGuid(), root.GetProperty("version").GetInt32(),
            root.GetProperty("name").GetString()!, root.GetProperty("graph").GetString()!, root.GetProperty("authorId").GetGuid());
    }

    public void Serialize(WorkflowDefinition value, IBufferWriter<byte> target)
    {
        using var writer = new Utf8JsonWriter(target);
        writer.WriteStartObject();
        writer.WriteString("workflowId", value.WorkflowId);
        writer.WriteNumber("version", value.Version);
        writer.WriteString("name", value.Name);
        writer.WriteString("graph", value.GraphJson);
        writer.WriteString("authorId", value.AuthorId);
        writer.WriteEndObject();
    }
}

internal static class WorkflowDefinitionsServiceCollectionExtensions
{
    public static IServiceCollection AddWorkflowDefinitions(this IServiceCollection services) => services
        .AddSingleton<WorkflowDefinitions>()
        .AddSingleton<IHybridCacheSerializer<WorkflowDefinition>, WorkflowDefinitionSerializer>();
}
