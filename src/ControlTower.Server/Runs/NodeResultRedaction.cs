using ControlTower.Core.Crypto;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Runs;

/// <summary>
/// Masks every loaded secret in a node's result before the engine records it: a tool that echoes a
/// credential (an MCP server's <c>get-env</c>, an HTTP endpoint reflecting a header) must not carry it
/// into the checkpoint, the node history, the events or the API.
/// </summary>
internal static class NodeResultRedaction
{
    public static NodeResult Redact(NodeResult result, SecretRedactor redactor)
    {
        if (redactor.SecretCount == 0)
        {
            return result;
        }

        return result switch
        {
            NodeResult.Completed completed => completed with { Output = redactor.Redact(completed.Output) },
            NodeResult.Failed failed => failed with { Message = redactor.Redact(failed.Message) },
            NodeResult.Waiting waiting => waiting with { Output = redactor.Redact(waiting.Output) },
            NodeResult.StartChild child => child with { Input = redactor.Redact(child.Input) },
            _ => result,
        };
    }
}
