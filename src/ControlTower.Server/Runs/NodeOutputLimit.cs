using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Runs;

/// <summary>
/// A node's output is stored with its run, written to its events and read by every later expression, so one that
/// passes <c>NODE_OUTPUT_MAX_BYTES</c> fails the node with <c>node.output_too_large</c> and is never stored.
/// The output is serialized once here, and the writer stops at the limit, so an oversized output is not copied
/// whole; a completed node's serialized form is kept (<see cref="NodeResult.Completed.Stored"/>) so the
/// checkpoint, the event and the node's record do not serialize it again.
/// </summary>
internal sealed class NodeOutputLimit(IOptions<InputOptions> options)
{
    public NodeResult Apply(NodeResult result)
    {
        var output = result switch
        {
            NodeResult.Completed completed => completed.Output,
            NodeResult.Waiting waiting => waiting.Output,
            _ => null,
        };
        if (output is null)
        {
            return result;
        }

        var limit = options.Value.NodeOutputMaxBytes;
        if (Serialize(output, limit) is not { } bytes)
        {
            return new NodeResult.Failed(NodeOutputErrorCodes.OutputTooLarge, $"The node's output is larger than the limit of {limit} bytes; it was not stored.", Retryable: false);
        }

        return result is NodeResult.Completed done
            ? done with { Stored = JsonSerializer.Deserialize<JsonElement>(bytes.WrittenSpan) }
            : result;
    }

    /// <summary>The output's UTF-8 JSON, or null once it passes <paramref name="limit"/> bytes.</summary>
    private static ArrayBufferWriter<byte>? Serialize(JsonNode output, long limit)
    {
        var buffer = new LimitedBufferWriter(limit);
        try
        {
            // Disposing flushes what is left, which passes the limit again: inside the try as well.
            using (var writer = new Utf8JsonWriter(buffer))
            {
                output.WriteTo(writer);
            }

            return buffer.Written;
        }
        catch (OutputTooLargeException)
        {
            return null;
        }
    }

    private sealed class OutputTooLargeException : Exception;

    /// <summary>Collects written bytes and stops the writer once they pass the limit.</summary>
    private sealed class LimitedBufferWriter(long limit) : IBufferWriter<byte>
    {
        public ArrayBufferWriter<byte> Written { get; } = new();

        public void Advance(int count)
        {
            if (Written.WrittenCount + (long)count > limit)
            {
                throw new OutputTooLargeException();
            }

            Written.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Written.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Written.GetSpan(sizeHint);
    }
}

/// <summary>Stable code of a node whose output is too large to keep.</summary>
internal static class NodeOutputErrorCodes
{
    /// <summary>A node's output passed <c>NODE_OUTPUT_MAX_BYTES</c>; the node failed and the output was not stored.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string OutputTooLarge = "node.output_too_large";
}
