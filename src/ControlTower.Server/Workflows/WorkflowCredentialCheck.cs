using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Server.Credentials;

namespace ControlTower.Server.Workflows;

/// <summary>
/// The save-time half of the credential rule: every credential a graph names (<c>config.credentialId</c> of
/// http.request, mcp.tool, llm and governed.action, a webhook trigger's <c>signature.secretCredentialId</c>, and any
/// other config field named <c>credentialId</c> or <c>…CredentialId</c>) must be usable by the version's author,
/// because runs without a caller act as them. The run-time half is the vault, which resolves a credential only for
/// the run's principal.
/// </summary>
internal sealed class WorkflowCredentialCheck(CredentialVault vault)
{
    /// <summary>A credential id a node's config names, with the JSON pointer of the field.</summary>
    internal sealed record Reference(string NodeId, string Pointer, Guid CredentialId);

    /// <summary>One <see cref="WorkflowErrorCodes.CredentialNotUsable"/> problem per reference <paramref name="authorId"/> may not use.</summary>
    public async Task<IReadOnlyList<GraphProblem>> ProblemsAsync(WorkflowGraph graph, Guid authorId, CancellationToken cancellationToken)
    {
        var references = References(graph);
        var usable = await vault.UsableByAsync(authorId, [.. references.Select(r => r.CredentialId).Distinct()], cancellationToken);
        return [.. references.Where(r => !usable.Contains(r.CredentialId)).Select(r => new GraphProblem(
            WorkflowErrorCodes.CredentialNotUsable,
            r.Pointer,
            $"Node '{r.NodeId}' names credential {r.CredentialId}, which you may not use: it is neither yours nor shared with you or your role."))];
    }

    public static IReadOnlyList<Reference> References(WorkflowGraph graph)
    {
        var found = new List<Reference>();
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            Collect(graph.Nodes[i].Id, graph.Nodes[i].Config, $"/nodes/{i}/config", found);
        }

        return found;
    }

    private static void Collect(string nodeId, JsonNode? node, string pointer, List<Reference> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var path = $"{pointer}/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";
                    if (IsCredentialField(name) && value is JsonValue text && text.TryGetValue<string>(out var id) && Guid.TryParse(id, out var credentialId))
                    {
                        found.Add(new Reference(nodeId, path, credentialId));
                    }
                    else
                    {
                        Collect(nodeId, value, path, found);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Collect(nodeId, array[i], $"{pointer}/{i}", found);
                }

                break;
        }
    }

    private static bool IsCredentialField(string name) =>
        name == "credentialId" || name.EndsWith("CredentialId", StringComparison.Ordinal);
}
