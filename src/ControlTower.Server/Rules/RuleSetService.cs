using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Core.Errors;
using ControlTower.Core.Expressions;
using ControlTower.Core.Rules;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Rules;

internal sealed record CreateRuleSetBody(string Id, string? Description, JsonNode? Definition, string? Message);

internal sealed record UpdateRuleSetBody(JsonNode? Definition, string? Message, string? Description);

internal sealed record TestRuleSetBody(JsonObject? Input, int? Version);

internal sealed record RuleSetView(string Id, string? Description, int LatestVersion, int Version,
    JsonObject Definition, string Author, string? Message, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record RuleSetVersionView(int Version, string Author, string? Message, DateTimeOffset CreatedAt);

/// <summary>A rule set evaluation with the version it used.</summary>
internal sealed record RuleRun(string RuleSetId, int Version, RuleEvaluation Evaluation)
{
    public JsonObject ToJson()
    {
        var json = Evaluation.ToJson();
        json["ruleSetId"] = RuleSetId;
        json["version"] = Version;
        return json;
    }
}

/// <summary>
/// Named, versioned rule sets: every save validates (conditions compile, use only declared input names)
/// and makes an immutable version. Every evaluation (test endpoint, <c>rules</c> node, governed action) is audited
/// with its matches and the reasons.
/// </summary>
internal sealed partial class RuleSetService(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, CelCompileCache cache, TimeProvider time)
{
    public async Task<RuleSetView> CreateAsync(CreateRuleSetBody body, string actor, CancellationToken cancellationToken)
    {
        if (body.Id is null || !IdPattern().IsMatch(body.Id))
        {
            throw new ControlTowerException(ErrorKind.Validation, RuleSetErrorCodes.IdInvalid, "id must match ^[a-z0-9][a-z0-9_.-]{0,99}$.");
        }

        var ruleSet = Validate(body.Definition);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Set<RuleSetEntity>().AnyAsync(r => r.Id == body.Id, cancellationToken))
        {
            throw new ControlTowerException(ErrorKind.Conflict, RuleSetErrorCodes.Exists, $"Rule set '{body.Id}' exists; PUT a new version instead.");
        }

        var entity = new RuleSetEntity { Id = body.Id, Description = body.Description, LatestVersion = 1, CreatedBy = actor, CreatedAt = now, UpdatedAt = now };
        var version = NewVersion(body.Id, 1, ruleSet, actor, body.Message, now);
        db.AddRange(entity, version);
        await audit.CommitAsync(db, new AuditEvent(actor, "rules.created", $"rule_set:{body.Id}", body.Message ?? "created", new JsonObject { ["version"] = 1 }), cancellationToken);
        return ToView(entity, version);
    }

    public async Task<RuleSetView> UpdateAsync(string id, UpdateRuleSetBody body, string actor, CancellationToken cancellationToken)
    {
        var ruleSet = Validate(body.Definition);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var entity = await db.Set<RuleSetEntity>().SingleOrDefaultAsync(r => r.Id == id, cancellationToken) ?? throw NotFound(id);
        entity.LatestVersion++;
        entity.UpdatedAt = now;
        entity.Description = body.Description ?? entity.Description;
        var version = NewVersion(id, entity.LatestVersion, ruleSet, actor, body.Message, now);
        db.Add(version);
        try
        {
            await audit.CommitAsync(db, new AuditEvent(actor, "rules.updated", $"rule_set:{id}", body.Message ?? "new version",
                new JsonObject { ["version"] = entity.LatestVersion }), cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            // A concurrent save took this version number (the version row's key or the set's concurrency token).
            throw new ControlTowerException(ErrorKind.Conflict, RuleSetErrorCodes.ConcurrentUpdate, $"Rule set '{id}' changed while saving; load it again.", ex);
        }

        return ToView(entity, version);
    }

    public async Task<IReadOnlyList<RuleSetView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var sets = await db.Set<RuleSetEntity>().AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        var views = new List<RuleSetView>();
        foreach (var set in sets)
        {
            var version = await db.Set<RuleSetVersionEntity>().AsNoTracking().SingleAsync(v => v.RuleSetId == set.Id && v.Version == set.LatestVersion, cancellationToken);
            views.Add(ToView(set, version));
        }

        return views;
    }

    public async Task<RuleSetView> GetAsync(string id, int? version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var entity = await db.Set<RuleSetEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken) ?? throw NotFound(id);
        var wanted = version ?? entity.LatestVersion;
        var row = await db.Set<RuleSetVersionEntity>().AsNoTracking().SingleOrDefaultAsync(v => v.RuleSetId == id && v.Version == wanted, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, RuleSetErrorCodes.NotFound, $"Rule set '{id}' has no version {wanted}.");
        return ToView(entity, row);
    }

    public async Task<IReadOnlyList<RuleSetVersionView>> VersionsAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Set<RuleSetEntity>().AnyAsync(r => r.Id == id, cancellationToken))
        {
            throw NotFound(id);
        }

        var rows = await db.Set<RuleSetVersionEntity>().AsNoTracking().Where(v => v.RuleSetId == id).OrderByDescending(v => v.Version).ToListAsync(cancellationToken);
        return [.. rows.Select(v => new RuleSetVersionView(v.Version, v.Author, v.Message, Utc(v.CreatedAt)))];
    }

    /// <summary>Evaluates a version (default: the latest) over <paramref name="input"/> and audits the result with <paramref name="actor"/> and <paramref name="reason"/>.</summary>
    /// <exception cref="RuleException"><c>rules.unique_violation</c> (also audited).</exception>
    public async Task<RuleRun> EvaluateAsync(string id, int? version, JsonObject input, string actor, string reason, CancellationToken cancellationToken)
    {
        var view = await GetAsync(id, version, cancellationToken);
        var ruleSet = RuleSetJson.Parse(view.Definition);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        try
        {
            var run = new RuleRun(id, view.Version, RuleEvaluator.Evaluate(ruleSet, input, cache));
            await audit.CommitAsync(db, new AuditEvent(actor, "rules.evaluated", $"rule_set:{id}@{view.Version}", reason, run.ToJson()), cancellationToken);
            return run;
        }
        catch (RuleException ex)
        {
            await audit.CommitAsync(db, new AuditEvent(actor, "rules.evaluation_failed", $"rule_set:{id}@{view.Version}", reason,
                new JsonObject { ["code"] = ex.Code, ["message"] = ex.Message }), cancellationToken);
            throw;
        }
    }

    private static RuleSet Validate(JsonNode? definition)
    {
        var (ruleSet, problems) = RuleSetJson.Read(definition);
        return ruleSet ?? throw new ControlTowerException(ErrorKind.Validation, RuleErrorCodes.DefinitionInvalid,
            $"The rule set has {problems.Count} problem(s): {string.Join("; ", problems.Select(p => $"{p.Pointer}: {p.Message}"))}")
        {
            Details = new Dictionary<string, object?> { ["problems"] = problems },
        };
    }

    private static RuleSetVersionEntity NewVersion(string id, int version, RuleSet ruleSet, string actor, string? message, DateTime now) => new()
    {
        RuleSetId = id,
        Version = version,
        Definition = RuleSetJson.ToJson(ruleSet).ToJsonString(),
        Author = actor,
        Message = message,
        CreatedAt = now,
    };

    private static RuleSetView ToView(RuleSetEntity set, RuleSetVersionEntity version) => new(
        set.Id, set.Description, set.LatestVersion, version.Version, JsonNode.Parse(version.Definition)!.AsObject(), version.Author, version.Message, Utc(set.CreatedAt), Utc(set.UpdatedAt));

    private static ControlTowerException NotFound(string id) => new(ErrorKind.NotFound, RuleSetErrorCodes.NotFound, $"No rule set '{id}'.");

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,99}$")]
    private static partial Regex IdPattern();
}
