using System.Collections.Concurrent;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Mcp;

/// <summary>
/// The registered servers, in memory. Thread-safe. <see cref="Changed"/> fires after an update or a
/// removal so live connections of that server can be dropped.
/// </summary>
internal sealed class McpServerRegistry
{
    private readonly ConcurrentDictionary<string, McpServerDefinition> _servers = new(StringComparer.Ordinal);

    public event Action<string>? Changed;

    public void Add(McpServerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.EnsureValid();
        if (!_servers.TryAdd(definition.Id, definition))
        {
            throw new ControlTowerException(ErrorKind.Conflict, McpErrorCodes.ServerExists, $"MCP server '{definition.Id}' is already registered.");
        }
    }

    public void Update(McpServerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.EnsureValid();
        var current = Require(definition.Id);
        if (!_servers.TryUpdate(definition.Id, definition, current))
        {
            throw new ControlTowerException(ErrorKind.Conflict, McpErrorCodes.ServerExists, $"MCP server '{definition.Id}' changed concurrently; retry.");
        }

        Changed?.Invoke(definition.Id);
    }

    public bool Remove(string serverId)
    {
        var removed = _servers.TryRemove(serverId, out _);
        if (removed)
        {
            Changed?.Invoke(serverId);
        }

        return removed;
    }

    public McpServerDefinition? Get(string serverId) => _servers.GetValueOrDefault(serverId);

    public McpServerDefinition Require(string serverId) =>
        Get(serverId) ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ServerNotFound, $"MCP server '{serverId}' is not registered.");

    public IReadOnlyList<McpServerDefinition> List() => [.. _servers.Values.OrderBy(s => s.Id, StringComparer.Ordinal)];
}
