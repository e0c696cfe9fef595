using System.CommandLine;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Mcp;

/// <summary>
/// <c>controltower mcp-client &lt;url&gt;</c> (hidden): drives the federation client (registry, pool, catalog,
/// invoker: the same code path as an <c>mcp.tool</c> node) against one Streamable HTTP server: connect,
/// fetch the catalog, then call every tool with arguments made from its input schema. It exists for the
/// official conformance suite (<c>conformance client --command "controltower mcp-client"</c>), which starts
/// a scenario server and appends its URL. Exit code 0 when every step worked.
/// </summary>
internal static class McpClientCommand
{
    private const string ServerId = "conformance";

    public static Command Create()
    {
        var url = new Argument<string>("url") { Description = "The MCP server's Streamable HTTP endpoint." };
        var command = new Command("mcp-client", "Exercise the MCP federation client against one server (for the conformance suite).")
        {
            Hidden = true,
            Arguments = { url },
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var endpoint))
            {
                await Console.Error.WriteLineAsync("mcp-client: the url must be absolute.");
                return 2;
            }

            return await RunAsync(endpoint, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(Uri url, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddMcpFederation()
            .BuildServiceProvider();
        var registry = services.GetRequiredService<McpServerRegistry>();
        registry.Add(new McpServerDefinition
        {
            Id = ServerId,
            Name = "conformance scenario server",
            Transport = McpTransportKind.StreamableHttp,
            Url = url,
            Limits = McpServerLimits.Default with { CallTimeout = TimeSpan.FromSeconds(20) },
        });

        var failures = 0;
        try
        {
            await services.GetRequiredService<McpConnectionPool>().GetAsync(ServerId, credential: null, cancellationToken);
            var catalog = services.GetRequiredService<McpCatalog>().Get(ServerId);
            await Console.Out.WriteLineAsync($"connected; {catalog?.Tools.Count ?? 0} tool(s)");
            var invoker = services.GetRequiredService<McpToolInvoker>();
            foreach (var tool in catalog?.Tools ?? [])
            {
                var result = await invoker.CallAsync(ServerId, tool.Name, SampleArguments(tool.InputSchema), McpCallContext.None, cancellationToken);
                await Console.Out.WriteLineAsync($"{tool.Name}: {(result.IsError ? "error: " + result.ErrorMessage : result.Output["content"]?.ToJsonString())}");
                failures += result.IsError ? 1 : 0;
            }
        }
        catch (ControlTowerException ex)
        {
            await Console.Error.WriteLineAsync($"mcp-client: {ex.Code}: {ex.Message}");
            return 1;
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>Arguments for a call: each required property gets its default, first enum value, or a small value of its type.</summary>
    internal static JsonObject SampleArguments(JsonObject schema)
    {
        var arguments = new JsonObject();
        var required = (schema["required"] as JsonArray ?? []).Select(r => r?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (name, property) in schema["properties"] as JsonObject ?? [])
        {
            if (required.Contains(name) && property is JsonObject definition)
            {
                arguments[name] = SampleValue(definition);
            }
        }

        return arguments;
    }

    private static JsonNode? SampleValue(JsonObject property) =>
        property["default"]?.DeepClone()
        ?? (property["enum"] as JsonArray)?.FirstOrDefault()?.DeepClone()
        ?? (property["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? property["type"]!.GetValue<string>() : null) switch
        {
            "number" or "integer" => JsonValue.Create(2),
            "boolean" => JsonValue.Create(true),
            "array" => new JsonArray(),
            "object" => SampleArguments(property),
            _ => JsonValue.Create("test"),
        };
}
