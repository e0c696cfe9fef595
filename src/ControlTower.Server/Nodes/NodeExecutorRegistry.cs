using System.Collections.Frozen;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Nodes;

/// <summary>The executor of each node type, from every <see cref="INodeExecutor"/> registered in DI.</summary>
internal sealed class NodeExecutorRegistry
{
    private readonly FrozenDictionary<string, INodeExecutor> _byType;

    public NodeExecutorRegistry(IEnumerable<INodeExecutor> executors)
    {
        var byType = new Dictionary<string, INodeExecutor>(StringComparer.Ordinal);
        foreach (var executor in executors)
        {
            foreach (var type in executor.NodeTypes)
            {
                if (!byType.TryAdd(type, executor))
                {
                    throw new InvalidOperationException($"Node type '{type}' has two executors: {byType[type].GetType().Name} and {executor.GetType().Name}.");
                }
            }
        }

        _byType = byType.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The node types that have an executor.</summary>
    public IReadOnlyCollection<string> NodeTypes => _byType.Keys;

    public bool TryGet(string nodeType, out INodeExecutor executor) => _byType.TryGetValue(nodeType, out executor!);

    /// <exception cref="ControlTowerException"><c>node.type_unsupported</c>.</exception>
    public INodeExecutor Resolve(string nodeType) =>
        TryGet(nodeType, out var executor)
            ? executor
            : throw new ControlTowerException(ErrorKind.Validation, NodeErrorCodes.TypeUnsupported, $"No executor runs node type '{nodeType}'.");
}
