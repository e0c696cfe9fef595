using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Graphs;

/// <summary>The node types a graph may use, looked up by type name.</summary>
public sealed class NodeTypeCatalog
{
    private readonly FrozenDictionary<string, NodeTypeDescriptor> _byType;

    public NodeTypeCatalog(IEnumerable<NodeTypeDescriptor> types)
    {
        Types = [.. types];
        _byType = Types.ToFrozenDictionary(t => t.Type, StringComparer.Ordinal);
    }

    /// <summary>Every type, in declaration order.</summary>
    public IReadOnlyList<NodeTypeDescriptor> Types { get; }

    /// <summary>The types built into Control Tower (see <see cref="BuiltInNodeTypes"/>).</summary>
    public static NodeTypeCatalog BuiltIn { get; } = new(BuiltInNodeTypes.All());

    public bool TryGet(string type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeTypeDescriptor? descriptor) =>
        _byType.TryGetValue(type, out descriptor);

    /// <summary>The catalog as <c>GET /api/node-types</c> returns it.</summary>
    public JsonArray ToJson() => new([.. Types.Select(t => (JsonNode?)t.ToJson())]);
}
