using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Core.Errors;
using ControlTower.Core.Expressions;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>An expression (or <c>{{ }}</c> template) to evaluate over a run's data, as the editor shows beside a field.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record EvaluateExpressionBody(string? Expression, bool Template = false, string? NodeId = null);

/// <summary>The value, or the CEL error the evaluation ended with (an error is a result here, not a failed request).</summary>
internal sealed record ExpressionEvaluation(JsonNode? Value, string? ErrorCode, string? ErrorMessage);

/// <summary>
/// <c>POST /api/runs/{id}/evaluate</c>: evaluates CEL with the engine's own evaluator over the run's input and every
/// node's latest successful output (<c>input</c>, <c>nodes.&lt;id&gt;.output</c>, <c>run.id</c>, <c>node.id</c>), so the
/// editor shows what an expression gives on real data without evaluating anything in the browser. The activation holds
/// every node with a result, not only the upstream ones a real node would see.
/// </summary>
internal static class RunExpressionEvaluation
{
    private const int MaxExpressionLength = 4000;

    public static async Task<ExpressionEvaluation> EvaluateAsync(
        Guid runId, EvaluateExpressionBody body, IDbContextFactory<ControlTowerDbContext> contexts, CelCompileCache cache, CancellationToken cancellationToken)
    {
        if (body.Expression is not { Length: > 0 and <= MaxExpressionLength } expression)
        {
            throw new ControlTowerException(ErrorKind.Validation, Platform.Errors.ErrorCodes.InvalidRequest, $"expression must be 1 to {MaxExpressionLength} characters.");
        }

        var activation = await ActivationAsync(runId, body.NodeId, contexts, cancellationToken);
        try
        {
            var value = body.Template ? CelTemplate.Render(expression, activation) : cache.GetOrCompile(expression).Evaluate(activation);
            return new ExpressionEvaluation(value, null, null);
        }
        catch (CelException ex)
        {
            return new ExpressionEvaluation(null, ex.Code, ex.Message);
        }
    }

    private static async Task<JsonObject> ActivationAsync(Guid runId, string? nodeId, IDbContextFactory<ControlTowerDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var input = await db.Set<RunEntity>().Where(r => r.Id == runId).Select(r => new { r.Input }).SingleOrDefaultAsync(cancellationToken)
            ?? throw RunTransitions.NotFound(runId);
        var succeeded = await db.Set<NodeExecutionEntity>().AsNoTracking()
            .Where(e => e.RunId == runId && e.Status == "succeeded")
            .Select(e => new { e.NodeId, e.Output, e.Outcome, e.StartedAt, e.Attempt })
            .ToListAsync(cancellationToken);
        var nodes = new JsonObject();
        foreach (var latest in succeeded.OrderBy(e => e.StartedAt).ThenBy(e => e.Attempt))
        {
            nodes[latest.NodeId] = new JsonObject { ["outcome"] = latest.Outcome ?? "success", ["output"] = latest.Output is null ? null : JsonNode.Parse(latest.Output) };
        }

        return new JsonObject
        {
            ["input"] = input.Input is null ? null : JsonNode.Parse(input.Input),
            ["nodes"] = nodes,
            ["run"] = new JsonObject { ["id"] = runId.ToString() },
            ["node"] = new JsonObject { ["id"] = nodeId ?? "" },
        };
    }
}
