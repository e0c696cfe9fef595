using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Governance;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ControlTower.Server.McpHost;

/// <summary>
/// Every published workflow as an MCP prompt named like its tool: the arguments are the top-level properties of
/// its input schema, and the prompt asks the model to call the tool with them (typed as the schema says).
/// Completions: for a prompt argument, its schema's <c>enum</c> / <c>const</c> / boolean values and, for callers who
/// may read runs, the values recent runs of the workflow were started with; for the resource templates, the ids of
/// waiting runs and pending approvals.
/// </summary>
internal sealed class WorkflowPrompts(
    PublishedWorkflows published, IDbContextFactory<ControlTowerDbContext> contexts, WaitingRuns waiting, ApprovalService approvals)
{
    public const int MaxCompletions = 100;
    public const int RecentRuns = 50;

    public async Task<ListPromptsResult> ListAsync(CancellationToken cancellationToken) => new()
    {
        Prompts = [.. (await published.ListAsync(cancellationToken)).Select(tool => new Prompt
        {
            Name = tool.ToolName,
            Title = tool.WorkflowName,
            Description = DescriptionOf(tool),
            Arguments = [.. Properties(tool).Select(p => new PromptArgument
            {
                Name = p.Name,
                Description = p.Schema?["description"]?.GetValue<string>(),
                Required = Required(tool).Contains(p.Name),
            })],
        })],
    };

    public async Task<GetPromptResult> GetAsync(string name, IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken)
    {
        var tool = await published.FindAsync(name, cancellationToken)
            ?? throw new McpProtocolException($"Unknown prompt: '{name}'.", McpErrorCode.InvalidParams);
        var given = arguments ?? new Dictionary<string, JsonElement>();
        var missing = Required(tool).Where(r => !given.ContainsKey(r)).ToArray();
        if (missing.Length > 0)
        {
            throw new McpProtocolException($"Missing required argument(s) of '{name}': {string.Join(", ", missing)}.", McpErrorCode.InvalidParams);
        }

        var toolArguments = new JsonObject();
        foreach (var (key, value) in given)
        {
            toolArguments[key] = Typed(key, value, Properties(tool).FirstOrDefault(p => p.Name == key).Schema);
        }

        var text = $"Run the Control Tower workflow '{tool.WorkflowName}' by calling the tool '{tool.ToolName}' with these arguments:\n" +
                   $"{toolArguments.ToJsonString()}\nThen report the result. {DescriptionOf(tool)}";
        return new GetPromptResult
        {
            Description = DescriptionOf(tool),
            Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }],
        };
    }

    public async Task<CompleteResult> CompleteAsync(McpCaller caller, CompleteRequestParams? request, CancellationToken cancellationToken)
    {
        var argument = request?.Argument ?? throw new McpProtocolException("completion/complete needs an argument.", McpErrorCode.InvalidParams);
        var candidates = request.Ref switch
        {
            PromptReference prompt => await PromptValuesAsync(caller, prompt.Name, argument.Name, cancellationToken),
            ResourceTemplateReference template => await ResourceIdsAsync(caller, template.Uri, cancellationToken),
            _ => throw new McpProtocolException("Unknown completion reference.", McpErrorCode.InvalidParams),
        };
        var matching = candidates.Where(c => c.StartsWith(argument.Value ?? "", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal).ToList();
        return new CompleteResult
        {
            Completion = new Completion { Values = [.. matching.Take(MaxCompletions)], Total = matching.Count, HasMore = matching.Count > MaxCompletions },
        };
    }

    private async Task<IReadOnlyList<string>> PromptValuesAsync(McpCaller caller, string promptName, string argumentName, CancellationToken cancellationToken)
    {
        var tool = await published.FindAsync(promptName, cancellationToken)
            ?? throw new McpProtocolException($"Unknown prompt: '{promptName}'.", McpErrorCode.InvalidParams);
        var schema = Properties(tool).FirstOrDefault(p => p.Name == argumentName).Schema
            ?? throw new McpProtocolException($"Prompt '{promptName}' has no argument '{argumentName}'.", McpErrorCode.InvalidParams);
        var values = new List<string>();
        values.AddRange((schema["enum"] as JsonArray ?? []).Select(Scalar).OfType<string>());
        if (Scalar(schema["const"]) is { } constant)
        {
            values.Add(constant);
        }

        if (schema["type"]?.GetValue<string>() == "boolean")
        {
            values.AddRange(["true", "false"]);
        }

        if (ControlTowerMcpServer.CanRead(caller))
        {
            values.AddRange(await RecentValuesAsync(tool.WorkflowId, argumentName, cancellationToken));
        }

        return values;
    }

    /// <summary>The values the workflow's latest runs were started with for <paramref name="argumentName"/>, newest first.</summary>
    private async Task<IEnumerable<string>> RecentValuesAsync(Guid workflowId, string argumentName, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var inputs = await db.Set<RunEntity>().AsNoTracking()
            .Where(r => r.WorkflowId == workflowId && r.Input != null)
            .OrderByDescending(r => r.CreatedAt)
            .Select(r => r.Input!)
            .Take(RecentRuns)
            .ToListAsync(cancellationToken);
        return inputs.Select(input => Scalar(ParseObject(input)?[argumentName])).OfType<string>();
    }

    private async Task<IReadOnlyList<string>> ResourceIdsAsync(McpCaller caller, string? uriTemplate, CancellationToken cancellationToken)
    {
        if (!ControlTowerMcpServer.CanRead(caller))
        {
            return [];
        }

        if (uriTemplate == WaitingRuns.UriPrefix + "{id}")
        {
            return [.. (await waiting.ListAsync(cancellationToken)).Select(r => r.RunId.ToString("D"))];
        }

        if (uriTemplate == PendingApprovals.UriPrefix + "{id}")
        {
            var page = await approvals.ListAsync(PendingApprovals.Query, PendingApprovals.PrincipalOf(caller), cancellationToken);
            return [.. page.Items.Select(a => a.Id.ToString("D"))];
        }

        throw new McpProtocolException($"Unknown resource template: '{uriTemplate}'.", McpErrorCode.InvalidParams);
    }

    /// <summary>A prompt argument (always a string on the wire) as the JSON type its schema property declares.</summary>
    private static JsonNode? Typed(string name, JsonElement value, JsonObject? schema)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return JsonNode.Parse(value.GetRawText());
        }

        var text = value.GetString()!;
        return schema?["type"]?.GetValue<string>() switch
        {
            "number" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            "integer" when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
            "boolean" when bool.TryParse(text, out var flag) => JsonValue.Create(flag),
            "object" or "array" => ParseNode(text) ?? throw new McpProtocolException($"Argument '{name}' must be JSON.", McpErrorCode.InvalidParams),
            "number" or "integer" or "boolean" => throw new McpProtocolException($"Argument '{name}' must be a {schema!["type"]}.", McpErrorCode.InvalidParams),
            _ => JsonValue.Create(text),
        };
    }

    private static IEnumerable<(string Name, JsonObject? Schema)> Properties(PublishedTool tool) =>
        (tool.InputSchema["properties"] as JsonObject ?? []).Select(p => (p.Key, p.Value as JsonObject));

    private static HashSet<string> Required(PublishedTool tool) =>
        [.. (tool.InputSchema["required"] as JsonArray ?? []).Select(r => r?.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null).OfType<string>()];

    private static string DescriptionOf(PublishedTool tool) => tool.Description ?? $"Runs the workflow '{tool.WorkflowName}' and returns its output.";

    private static string? Scalar(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => node.ToJsonString(),
        _ => null,
    };

    private static JsonObject? ParseObject(string json) => ParseNode(json) as JsonObject;

    private static JsonNode? ParseNode(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
