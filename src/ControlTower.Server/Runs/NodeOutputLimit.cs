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
/// The output is serialized once here (through one buffer per thread), and the writer stops at the limit, so an oversized
/// output is not copied whole; a completed node's serialized form is kept (<see cref="NodeResult.Completed.Stored"/>) so the
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
        if (Serialize(output, limit) is not { } stored)
        {
            return new NodeResult.Failed(NodeOutputErrorCodes.OutputTooLarge, $"The node's output is larger than the limit of {limit} bytes; it was not stored.", Retryable: false);
        }

        return result is NodeResult.Completed done ? done with { Stored = stored } : result;
    }

    // One buffer and writer per thread: every node attempt's output passes here (serializing is synchronous).
    [ThreadStatic]
    private static LimitedBufferWriter? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The output as a standalone element of its UTF-8 JSON, or null once that passes <paramref name="limit"/> bytes.</summary>
    private static JsonElement? Serialize(JsonNode output, long limit)
    {
        var buffer = t_buffer ??= new LimitedBufferWriter();
        buffer.Restart(limit);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        try
        {
            output.WriteTo(writer);
            writer.Flush();
            return JsonSerializer.Deserialize<JsonElement>(buffer.Written.WrittenSpan);
        }
        catch (OutputTooLargeException)
        {
            return null;
        }
        finally
        {
            if (buffer.Written.Capacity > 64 * 1024)
            {
                t_buffer = null; // a large output's buffer is not kept
            }
        }
    }

    private sealed class OutputTooLargeException : Exception;

    /// <summary>Collects written bytes and stops the writer once they pass the limit.</summary>
    private sealed class LimitedBufferWriter : IBufferWriter<byte>
    {
        private long _limit;

        public ArrayBufferWriter<byte> Written { get; } = new(1024);

        public void Restart(long limit)
        {
            _limit = limit;
            Written.ResetWrittenCount();
        }

        public void Advance(int count)
        {
            if (Written.WrittenCount + (long)count > _limit)
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
