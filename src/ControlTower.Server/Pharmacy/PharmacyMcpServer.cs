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
/// The demo pharmacy's inventory as an MCP server (tools <c>list_stock</c>, <c>get_stock</c>, <c>dispense</c>,
/// <c>restock</c>). Arguments are checked against the same JSON Schemas the tools advertise. <c>dispense</c> and
/// <c>restock</c> honour the idempotency key Control Tower sends in <c>_meta</c>
/// (<see cref="McpToolInvoker.IdempotencyMetaKey"/>): a retried call answers what the first one did without
/// moving stock again. A refused change (unknown drug, short stock, a reused key) is a tool error
/// (<c>isError</c>) whose text starts with its stable code.
/// </summary>
internal sealed class PharmacyMcpServer(PharmacyInventory inventory)
{
    public const string ServerName = "controltower-pharmacy";

    private static readonly JsonObject DrugProperty = new()
    {
        ["type"] = "string",
        ["minLength"] = 1,
        ["maxLength"] = 200,
        ["description"] = "The drug as stocked, e.g. 'Atorvastatin 20 mg' (case-insensitive).",
    };

    private static readonly JsonObject QuantityProperty = new()
    {
        ["type"] = "integer",
        ["minimum"] = 1,
        ["maximum"] = 100000,
        ["description"] = "Units (tablets, capsules) to move.",
    };

    private static readonly IReadOnlyList<ToolSpec> Tools =
    [
        new("list_stock", "Every stocked drug with its on-hand quantity and reorder level.", ReadOnly: true,
            Schema(new JsonObject())),
        new("get_stock", "One drug's on-hand quantity, unit, controlled flag and reorder level.", ReadOnly: true,
            Schema(new JsonObject { ["drug"] = DrugProperty.DeepClone() }, "drug")),
        new("dispense", "Takes a prescription's quantity off the shelf. Fails (isError) without changing stock when fewer units are on hand. Idempotent under the _meta idempotency key.", ReadOnly: false,
            Schema(new JsonObject
            {
                ["rx"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 64, ["description"] = "The prescription number, e.g. 'RX-1001'." },
                ["drug"] = DrugProperty.DeepClone(),
                ["quantity"] = QuantityProperty.DeepClone(),
            }, "rx", "drug", "quantity")),
        new("restock", "Puts units back on the shelf: a delivery, or the undo of a dispense. Idempotent under the _meta idempotency key.", ReadOnly: false,
            Schema(new JsonObject
            {
                ["drug"] = DrugProperty.DeepClone(),
                ["quantity"] = QuantityProperty.DeepClone(),
                ["reason"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 500, ["description"] = "Why the stock comes back (kept with the change)." },
            }, "drug", "quantity", "reason")),
    ];

    public McpServerOptions Options() => new()
    {
        ServerInfo = new Implementation { Name = ServerName, Title = "Pharmacy inventory", Version = typeof(PharmacyMcpServer).Assembly.GetName().Version?.ToString() ?? "1.0.0" },
        ServerInstructions = "The pharmacy's stock: read it with list_stock/get_stock, change it with dispense and restock (pass an idempotency key in _meta to make retries safe).",
        ProtocolVersion = McpHost.McpStdioCommand.StdioProtocolVersion,
        Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
        Handlers = new McpServerHandlers
        {
            ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. Tools.Select(t => t.ToTool())] }),
            CallToolHandler = (request, ct) => new ValueTask<CallToolResult>(CallAsync(request.Params, ct)),
        },
    };

    /// <summary>Runs one tool call; unknown tools are a protocol error, refused changes a tool error.</summary>
    public async Task<CallToolResult> CallAsync(CallToolRequestParams? request, CancellationToken cancellationToken)
    {
        var name = request?.Name ?? "";
        var spec = Tools.FirstOrDefault(t => t.Name == name) ?? throw new McpProtocolException($"Unknown tool: '{name}'.", McpErrorCode.InvalidParams);
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
            return Success(name switch
            {
                "list_stock" => new JsonObject { ["items"] = new JsonArray([.. (await inventory.ListAsync(cancellationToken)).Select(i => (JsonNode)i.ToJson())]) },
                "get_stock" => (await inventory.GetAsync(Text(arguments, "drug"), cancellationToken)).ToJson(),
                "dispense" => await inventory.DispenseAsync(Text(arguments, "rx"), Text(arguments, "drug"), arguments["quantity"]!.GetValue<int>(), key, cancellationToken),
                _ => await inventory.RestockAsync(Text(arguments, "drug"), arguments["quantity"]!.GetValue<int>(), Text(arguments, "reason"), key, cancellationToken),
            });
        }
        catch (ControlTowerException refused) when (refused.Code.StartsWith("pharmacy.", StringComparison.Ordinal))
        {
            return Error(refused.Code, refused.Message);
        }
    }

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

    private static JsonObject Schema(JsonObject properties, params string[] required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        return schema;
    }

    private sealed record ToolSpec(string Name, string Description, bool ReadOnly, JsonObject Schema)
    {
        public Tool ToTool() => new()
        {
            Name = Name,
            Description = Description,
            InputSchema = JsonSerializer.SerializeToElement(Schema),
            Annotations = new ToolAnnotations { ReadOnlyHint = ReadOnly, DestructiveHint = false, IdempotentHint = ReadOnly, OpenWorldHint = false },
        };
    }
}
