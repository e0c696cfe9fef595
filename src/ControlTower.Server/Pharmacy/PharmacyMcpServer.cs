using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Schemas;
using ControlTower.Server.Mcp;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// The demo pharmacy as an MCP server: the stock (<c>list_stock</c>, <c>get_stock</c>, <c>dispense</c>, <c>restock</c>)
/// and the back office (patients, prescriptions, refill eligibility, interactions, claims, prescriber renewals,
/// pre-verification; <see cref="PharmacyTools"/>). Arguments are checked against the same JSON Schemas the tools
/// advertise. The changing tools honour the idempotency key Control Tower sends in <c>_meta</c>
/// (<see cref="McpToolInvoker.IdempotencyMetaKey"/>): a retried call answers what the first one did without changing
/// anything again. A refusal (unknown drug or prescription, short stock, a reused key) is a tool error
/// (<c>isError</c>) whose text starts with its stable code.
/// </summary>
internal sealed class PharmacyMcpServer(PharmacyInventory inventory)
{
    public const string ServerName = "controltower-pharmacy";

    public McpServerOptions Options() => new()
    {
        ServerInfo = new Implementation { Name = ServerName, Title = "Pharmacy inventory", Version = typeof(PharmacyMcpServer).Assembly.GetName().Version?.ToString() ?? "1.0.0" },
        ServerInstructions = "The pharmacy's stock and back office: look a prescription up (get_prescription, get_patient), check it (check_refill_eligibility, check_interactions, preverify), " +
            "claim it (adjudicate_claim), ask the prescriber (request_prescriber_approval, then poll get_prescriber_response), " +
            "and move stock with dispense and restock (pass an idempotency key in _meta to make retries safe).",
        ProtocolVersion = McpHost.McpStdioCommand.StdioProtocolVersion,
        Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
        Handlers = new McpServerHandlers
        {
            ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. PharmacyTools.All.Select(t => t.ToTool())] }),
            CallToolHandler = (request, ct) => new ValueTask<CallToolResult>(CallAsync(request.Params, ct)),
        },
    };

    /// <summary>Runs one tool call; unknown tools are a protocol error, refused changes a tool error.</summary>
    public async Task<CallToolResult> CallAsync(CallToolRequestParams? request, CancellationToken cancellationToken)
    {
        var name = request?.Name ?? "";
        var spec = PharmacyTools.All.FirstOrDefault(t => t.Name == name) ?? throw new McpProtocolException($"Unknown tool: '{name}'.", McpErrorCode.InvalidParams);
        var arguments = new JsonObject();
        foreach (var (argument, value) in request?.Arguments ?? new Dictionary<string, JsonElement>())
        {
            arguments[argument] = JsonNode.Parse(value.GetRawText());
        }

        var violations = JsonSchemaValidator.Validate(spec.Schema, arguments);
        if (violations.Count > 0)
        {
            return Error(PharmacyErrorCodes.ArgumentsInvalid, $"Arguments do not match the input schema of '{name}': {string.Join("; ", violations.Select(v => $"{v.Pointer} {v.Message}"))}.");
        }

        var key = IdempotencyKey(request?.Meta);
        try
        {
            return Success(await DispatchAsync(name, arguments, key, cancellationToken));
        }
        catch (ControlTowerException refused) when (refused.Code.StartsWith("pharmacy.", StringComparison.Ordinal))
        {
            return Error(refused.Code, refused.Message);
        }
    }

    private async Task<JsonObject> DispatchAsync(string name, JsonObject arguments, string? key, CancellationToken cancellationToken) => name switch
    {
        "list_stock" => new JsonObject { ["items"] = new JsonArray([.. (await inventory.ListAsync(cancellationToken)).Select(i => (JsonNode)i.ToJson())]) },
        "get_stock" => (await inventory.GetAsync(Text(arguments, "drug"), cancellationToken)).ToJson(),
        "dispense" => await inventory.DispenseAsync(Text(arguments, "rx"), Text(arguments, "drug"), arguments["quantity"]!.GetValue<int>(), key, cancellationToken),
        "restock" => await inventory.RestockAsync(Text(arguments, "drug"), arguments["quantity"]!.GetValue<int>(), Text(arguments, "reason"), key, cancellationToken),
        "get_patient" => await inventory.PatientAsync(Text(arguments, "patient_id"), cancellationToken),
        "get_prescription" => await inventory.PrescriptionAsync(Text(arguments, "rx"), cancellationToken),
        "check_refill_eligibility" => await inventory.EligibilityAsync(Text(arguments, "rx"), OptionalText(arguments, "today"), cancellationToken),
        "check_interactions" => await inventory.InteractionsAsync(Text(arguments, "patient_id"), Text(arguments, "drug"), cancellationToken),
        "adjudicate_claim" => await inventory.AdjudicateAsync(Text(arguments, "rx"), OptionalText(arguments, "today"), OptionalText(arguments, "prescriber_request_id"), key, cancellationToken),
        "request_prescriber_approval" => await inventory.RequestPrescriberAsync(Text(arguments, "rx"), Text(arguments, "reason"), key, cancellationToken),
        "get_prescriber_response" => await inventory.PrescriberResponseAsync(Text(arguments, "request_id"), key, cancellationToken),
        _ => await inventory.PreverifyAsync(Text(arguments, "rx"), cancellationToken),
    };

    private static string? OptionalText(JsonObject arguments, string name) => arguments[name] is null ? null : Text(arguments, name);

    private static string? IdempotencyKey(JsonObject? meta) =>
        meta?[McpToolInvoker.IdempotencyMetaKey] is JsonValue value && value.TryGetValue<string>(out var key) && !string.IsNullOrWhiteSpace(key) ? key : null;

    private static string Text(JsonObject arguments, string name) => arguments[name]!.GetValue<string>().Trim();

    private static CallToolResult Success(JsonObject result) => new()
    {
        Content = [new TextContentBlock { Text = result.ToJsonString() }],
        StructuredContent = JsonSerializer.SerializeToElement(result),
    };

    private static CallToolResult Error(string code, string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"{code}: {message}" }],
        StructuredContent = JsonSerializer.SerializeToElement(new JsonObject { ["code"] = code, ["message"] = message }),
    };
}
