using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;

namespace ControlTower.Server.Mcp;

internal sealed record McpToolAnnotations(string? Title, bool? ReadOnlyHint, bool? DestructiveHint, bool? IdempotentHint, bool? OpenWorldHint);

internal sealed record McpToolInfo(
    string ServerId,
    string Name,
    string? Title,
    string? Description,
    JsonObject InputSchema,
    JsonObject? OutputSchema,
    McpToolAnnotations? Annotations)
{
    /// <summary>The merged-view address, <c>server/tool</c>.</summary>
    public string QualifiedName => $"{ServerId}/{Name}";

    /// <summary>Whether running the call twice is harmless, by the server's own annotations.</summary>
    public bool IsIdempotent => Annotations is { ReadOnlyHint: true } or { IdempotentHint: true };
}

internal sealed record McpResourceInfo(string Uri, string Name, string? Description, string? MimeType);

internal sealed record McpPromptArgumentInfo(string Name, string? Description, bool Required);

internal sealed record McpPromptInfo(string Name, string? Description, IReadOnlyList<McpPromptArgumentInfo> Arguments);

/// <summary>
/// One server's catalog as last fetched. <see cref="Version"/> increases only when the content
/// (whose canonical JSON hashes to <see cref="Hash"/>) changes, so equal versions mean equal catalogs.
/// </summary>
internal sealed record McpCatalogSnapshot(
    string ServerId,
    long Version,
    string Hash,
    DateTimeOffset FetchedAt,
    IReadOnlyList<McpToolInfo> Tools,
    IReadOnlyList<McpResourceInfo> Resources,
    IReadOnlyList<McpPromptInfo> Prompts)
{
    public McpToolInfo? FindTool(string toolName) => Tools.FirstOrDefault(t => string.Equals(t.Name, toolName, StringComparison.Ordinal));
}

/// <summary>
/// Tool, resource and prompt catalogs per server, fetched by the connection pool when it connects and
/// again when a server sends <c>notifications/tools/list_changed</c>.
/// </summary>
internal sealed class McpCatalog(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, McpCatalogSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _adopted = new(StringComparer.Ordinal);
    private readonly Lock _publishLock = new();

    public McpCatalogSnapshot? Get(string serverId) => _snapshots.GetValueOrDefault(serverId);

    /// <summary>All tools of all servers, ordered by <c>server/tool</c>.</summary>
    public IReadOnlyList<McpToolInfo> AllTools() =>
        [.. _snapshots.Values.SelectMany(s => s.Tools).OrderBy(t => t.QualifiedName, StringComparer.Ordinal)];

    public McpToolInfo? FindTool(string qualifiedName) =>
        TrySplitQualifiedName(qualifiedName, out var serverId, out var toolName) ? Get(serverId)?.FindTool(toolName) : null;

    /// <summary>Splits <c>server/tool</c> at the first slash (server ids have none; tool names may).</summary>
    public static bool TrySplitQualifiedName(string qualifiedName, out string serverId, out string toolName)
    {
        var slash = qualifiedName.IndexOf('/', StringComparison.Ordinal);
        serverId = slash > 0 ? qualifiedName[..slash] : "";
        toolName = slash > 0 ? qualifiedName[(slash + 1)..] : "";
        return slash > 0 && toolName.Length > 0;
    }

    /// <summary>Drops the server's catalog; fetches that started before are not published.</summary>
    public void Forget(string serverId)
    {
        lock (_publishLock)
        {
            _generations[serverId] = _generations.GetValueOrDefault(serverId) + 1;
            _snapshots.TryRemove(serverId, out _);
            _adopted.Remove(serverId);
        }
    }

    /// <summary>The server's catalog generation; <see cref="Forget"/> starts a new one.</summary>
    public long Generation(string serverId)
    {
        lock (_publishLock)
        {
            return _generations.GetValueOrDefault(serverId);
        }
    }

    /// <summary>
    /// Takes a catalog another process fetched (through the shared cache) for a server this process has none of yet,
    /// unless the server was forgotten since <paramref name="generation"/>; a later fetch here replaces it.
    /// </summary>
    public void Adopt(McpCatalogSnapshot snapshot, long generation)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_publishLock)
        {
            if (generation == _generations.GetValueOrDefault(snapshot.ServerId) && _snapshots.TryAdd(snapshot.ServerId, snapshot))
            {
                _adopted.Add(snapshot.ServerId);
            }
        }
    }

    /// <summary>Drops the server's catalog if it was adopted (another process saw it change); one fetched here stays.</summary>
    public void DropAdopted(string serverId)
    {
        lock (_publishLock)
        {
            if (_adopted.Remove(serverId))
            {
                _snapshots.TryRemove(serverId, out _);
            }
        }
    }

    /// <summary>Raised when a fetched catalog differs from the one it replaces (a server's <c>list_changed</c>).</summary>
    public event Action<string>? ContentChanged;

    /// <summary>Fetches the server's catalog over <paramref name="client"/> and publishes it.</summary>
    public Task<McpCatalogSnapshot> RefreshAsync(string serverId, McpClient client, CancellationToken cancellationToken) =>
        RefreshAsync(serverId, Generation(serverId), client, cancellationToken);

    /// <summary>
    /// Fetches and publishes the catalog unless the server was forgotten since <paramref name="generation"/>
    /// (a connection of a replaced definition must not overwrite the new catalog).
    /// </summary>
    public async Task<McpCatalogSnapshot> RefreshAsync(string serverId, long generation, McpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var capabilities = client.ServerCapabilities;
        var tools = capabilities.Tools is null ? [] : await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var resources = capabilities.Resources is null ? [] : await client.ListResourcesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var prompts = capabilities.Prompts is null ? [] : await client.ListPromptsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

        var toolInfos = tools.Select(t => ToToolInfo(serverId, t)).OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        var resourceInfos = resources
            .Select(r => new McpResourceInfo(r.Uri, r.Name, r.Description, r.MimeType))
            .OrderBy(r => r.Uri, StringComparer.Ordinal).ToArray();
        var promptInfos = prompts
            .Select(p => new McpPromptInfo(
                p.Name,
                p.Description,
                [.. (p.ProtocolPrompt.Arguments ?? []).Select(a => new McpPromptArgumentInfo(a.Name, a.Description, a.Required ?? false))]))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();

        return Publish(serverId, generation, toolInfos, resourceInfos, promptInfos);
    }

    private McpCatalogSnapshot Publish(string serverId, long generation, McpToolInfo[] tools, McpResourceInfo[] resources, McpPromptInfo[] prompts)
    {
        var hash = Hash(tools, resources, prompts);
        lock (_publishLock)
        {
            var previous = Get(serverId);
            var version = previous is null ? 1 : previous.Hash == hash ? previous.Version : previous.Version + 1;
            var snapshot = new McpCatalogSnapshot(serverId, version, hash, time.GetUtcNow(), tools, resources, prompts);
            if (generation == _generations.GetValueOrDefault(serverId))
            {
                _snapshots[serverId] = snapshot;
                _adopted.Remove(serverId);
            }

            if (previous is not null && previous.Hash != hash)
            {
                ContentChanged?.Invoke(serverId);
            }

            return snapshot;
        }
    }

    private static McpToolInfo ToToolInfo(string serverId, McpClientTool tool)
    {
        var protocol = tool.ProtocolTool;
        var annotations = protocol.Annotations is { } a
            ? new McpToolAnnotations(a.Title, a.ReadOnlyHint, a.DestructiveHint, a.IdempotentHint, a.OpenWorldHint)
            : null;
        return new McpToolInfo(
            serverId,
            protocol.Name,
            protocol.Title,
            protocol.Description,
            ToObject(protocol.InputSchema) ?? new JsonObject { ["type"] = "object" },
            protocol.OutputSchema is { } output ? ToObject(output) : null,
            annotations);
    }

    private static JsonObject? ToObject(JsonElement element) =>
        element.ValueKind is JsonValueKind.Object ? JsonNode.Parse(element.GetRawText()) as JsonObject : null;

    /// <summary>SHA-256 of the catalog's canonical JSON (sorted keys, sorted entries, no whitespace).</summary>
    private static string Hash(McpToolInfo[] tools, McpResourceInfo[] resources, McpPromptInfo[] prompts)
    {
        var document = new JsonObject
        {
            ["tools"] = new JsonArray([.. tools.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["title"] = t.Title,
                ["description"] = t.Description,
                ["inputSchema"] = t.InputSchema.DeepClone(),
                ["outputSchema"] = t.OutputSchema?.DeepClone(),
                ["annotations"] = t.Annotations is not { } a ? null : new JsonObject
                {
                    ["title"] = a.Title, ["readOnlyHint"] = a.ReadOnlyHint, ["destructiveHint"] = a.DestructiveHint,
                    ["idempotentHint"] = a.IdempotentHint, ["openWorldHint"] = a.OpenWorldHint,
                },
            })]),
            ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode)new JsonObject
            {
                ["uri"] = r.Uri, ["name"] = r.Name, ["description"] = r.Description, ["mimeType"] = r.MimeType,
            })]),
            ["prompts"] = new JsonArray([.. prompts.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["description"] = p.Description,
                ["arguments"] = new JsonArray([.. p.Arguments.Select(a => (JsonNode)new JsonObject
                {
                    ["name"] = a.Name, ["description"] = a.Description, ["required"] = a.Required,
                })]),
            })]),
        };
        var canonical = Canonicalize(document)!.ToJsonString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static JsonNode? Canonicalize(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonicalize(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonicalize)]),
        _ => node?.DeepClone(),
    };
}
