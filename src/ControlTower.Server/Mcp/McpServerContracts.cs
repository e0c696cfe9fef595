using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Registers or replaces a server. <c>transport</c>: <c>stdio</c>, <c>streamable_http</c> or <c>sse</c>.
/// In <see cref="Env"/> and <see cref="Headers"/> a null value keeps the value already stored under that
/// name (responses show names only, so a client can send back what it read without knowing the secrets).
/// </summary>
internal sealed record McpServerRequest(
    string? Id,
    string Name,
    string Transport,
    string? Command = null,
    IReadOnlyList<string>? Args = null,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string?>? Env = null,
    Uri? Url = null,
    IReadOnlyDictionary<string, string?>? Headers = null,
    int? CallTimeoutMs = null,
    int? MaxConcurrentCalls = null,
    bool RetryIdempotentTools = false,
    string? CredentialType = null,
    bool Enabled = true);

internal sealed record McpServerLimitsView(long CallTimeoutMs, int MaxConcurrentCalls, bool RetryIdempotentTools);

/// <summary>A server as the API shows it: environment variable and header NAMES only, never their values.</summary>
internal sealed record McpServerView(
    string Id,
    string Name,
    string Transport,
    string? Command,
    IReadOnlyList<string> Args,
    string? WorkingDirectory,
    IReadOnlyList<string> EnvNames,
    Uri? Url,
    IReadOnlyList<string> HeaderNames,
    McpServerLimitsView Limits,
    string? CredentialType,
    bool Enabled,
    Guid OwnerId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record McpEnableRequest(string? Reason);

/// <summary>What a server's catalog could not be fetched with (e.g. it needs a credential to connect).</summary>
internal sealed record McpCatalogProblem(string ServerId, string Code, string Message);

/// <summary>The rest of a definition, as stored in <c>mcp_servers.Definition</c>.</summary>
internal sealed record McpStoredDefinition(
    string? Command,
    IReadOnlyList<string> Args,
    string? WorkingDirectory,
    IReadOnlyDictionary<string, string> Env,
    Uri? Url,
    IReadOnlyDictionary<string, string> Headers,
    long CallTimeoutMs,
    int MaxConcurrentCalls,
    bool RetryIdempotentTools,
    string? CredentialType)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string Serialize(McpServerDefinition d) => JsonSerializer.Serialize(
        new McpStoredDefinition(d.Command, d.Arguments, d.WorkingDirectory, d.Environment, d.Url, d.Headers,
            (long)d.Limits.CallTimeout.TotalMilliseconds, d.Limits.MaxConcurrentCalls, d.Limits.RetryIdempotentTools, d.CredentialType),
        Json);

    public static McpServerDefinition ToDefinition(McpServerEntity row)
    {
        var stored = JsonSerializer.Deserialize<McpStoredDefinition>(row.Definition, Json)
            ?? throw new JsonException($"mcp_servers row '{row.Id}' has an empty definition.");
        return new McpServerDefinition
        {
            Id = row.Id,
            Name = row.Name,
            Transport = McpTransportNames.Parse(row.Transport),
            Command = stored.Command,
            Arguments = stored.Args,
            WorkingDirectory = stored.WorkingDirectory,
            Environment = stored.Env,
            Url = stored.Url,
            Headers = stored.Headers,
            Limits = new McpServerLimits(TimeSpan.FromMilliseconds(stored.CallTimeoutMs), stored.MaxConcurrentCalls, stored.RetryIdempotentTools),
            CredentialType = stored.CredentialType,
            Enabled = row.Enabled,
        };
    }
}

internal static class McpTransportNames
{
    public const string Stdio = "stdio";
    public const string StreamableHttp = "streamable_http";
    public const string Sse = "sse";

    public static string ToName(McpTransportKind kind) => kind switch
    {
        McpTransportKind.Stdio => Stdio,
        McpTransportKind.StreamableHttp => StreamableHttp,
        _ => Sse,
    };

    public static McpTransportKind Parse(string name) => TryParse(name, out var kind)
        ? kind
        : throw new Core.Errors.ControlTowerException(Core.Errors.ErrorKind.Validation, McpErrorCodes.DefinitionInvalid,
            $"transport must be one of {Stdio}, {StreamableHttp}, {Sse}.");

    public static bool TryParse(string? name, out McpTransportKind kind)
    {
        (var known, kind) = name switch
        {
            Stdio => (true, McpTransportKind.Stdio),
            StreamableHttp => (true, McpTransportKind.StreamableHttp),
            Sse => (true, McpTransportKind.Sse),
            _ => (false, McpTransportKind.Stdio),
        };
        return known;
    }
}
