using System.Text.RegularExpressions;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Mcp;

internal enum McpTransportKind
{
    Stdio,
    StreamableHttp,
    Sse,
}

/// <summary>Per-server call limits.</summary>
/// <param name="RetryIdempotentTools">
/// Retry a call whose connection broke after the request was sent, when the tool's annotations say it is
/// read-only or idempotent. Off by default: annotations are hints from the server, and a tool that is not
/// really idempotent would run twice.
/// </param>
internal sealed record McpServerLimits(TimeSpan CallTimeout, int MaxConcurrentCalls, bool RetryIdempotentTools = false)
{
    public static McpServerLimits Default { get; } = new(TimeSpan.FromSeconds(60), 16);
}

/// <summary>
/// A registered MCP server. Stdio servers are started as a command (prefer <c>node path/dist/index.js</c>
/// over <c>npx</c>, which hangs without network); HTTP servers are reached at <see cref="Url"/>.
/// <see cref="Environment"/> and <see cref="Headers"/> may hold secrets: they are never logged.
/// </summary>
internal sealed partial record McpServerDefinition
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public McpTransportKind Transport { get; init; }

    public string? Command { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public Uri? Url { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public McpServerLimits Limits { get; init; } = McpServerLimits.Default;

    public bool Enabled { get; init; } = true;

    /// <summary>
    /// The credential type this server needs (e.g. <c>bearer_token</c>, <c>env_vars</c>): an <c>mcp.tool</c>
    /// node without <c>config.credentialId</c> then uses the acting user's credential of that type bound to
    /// this server (<c>mcp_server_id</c>). Null: the server needs none.
    /// </summary>
    public string? CredentialType { get; init; }

    /// <summary>Throws <c>mcp.definition_invalid</c> naming every problem.</summary>
    public void EnsureValid()
    {
        var problems = new List<string>();
        if (!IdPattern().IsMatch(Id))
        {
            problems.Add("id must be 1-64 characters of a-z, 0-9, '-', '_' or '.', starting with a letter or digit (it prefixes tool names as 'server/tool')");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add("name is required");
        }

        if (Transport is McpTransportKind.Stdio && string.IsNullOrWhiteSpace(Command))
        {
            problems.Add("a stdio server needs a command");
        }

        if (Transport is not McpTransportKind.Stdio && (Url is null || !Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https")))
        {
            problems.Add("an HTTP server needs an absolute http(s) url");
        }

        if (Limits.CallTimeout <= TimeSpan.Zero || Limits.MaxConcurrentCalls < 1)
        {
            problems.Add("limits need a positive call timeout and at least one concurrent call");
        }

        if (CredentialType is not null && !Core.Crypto.CredentialTypes.TryParse(CredentialType, out _))
        {
            problems.Add($"credentialType must be one of {string.Join(", ", Core.Crypto.CredentialTypes.WireNames)}");
        }

        if (problems.Count > 0)
        {
            throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.DefinitionInvalid, $"MCP server definition is invalid: {string.Join("; ", problems)}.")
            {
                Details = new Dictionary<string, object?> { ["problems"] = problems },
            };
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}$")]
    private static partial Regex IdPattern();
}
