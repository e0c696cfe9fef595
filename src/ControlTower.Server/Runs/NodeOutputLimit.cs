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
/// The size is counted while writing and the count stops at the limit, so an oversized output is not copied whole.
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
        var limit = options.Value.NodeOutputMaxBytes;
        return output is not null && !Fits(output, limit)
            ? new NodeResult.Failed(NodeOutputErrorCodes.OutputTooLarge, $"The node's output is larger than the limit of {limit} bytes; it was not stored.", Retryable: false)
            : result;
    }

    private static bool Fits(JsonNode output, long limit)
    {
        using var counter = new CountingStream(limit);
        using var writer = new Utf8JsonWriter(counter);
        try
        {
            output.WriteTo(writer);
            writer.Flush();
            return true;
        }
        catch (OutputTooLargeException)
        {
            return false;
        }
    }

    private sealed class OutputTooLargeException : Exception;

    /// <summary>Counts written bytes and stops the writer once they pass the limit.</summary>
    private sealed class CountingStream(long limit) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _written += buffer.Length;
            if (_written > limit)
            {
                throw new OutputTooLargeException();
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>Stable code of a node whose output is too large to keep.</summary>
internal static class NodeOutputErrorCodes
{
    /// <summary>A node's output passed <c>NODE_OUTPUT_MAX_BYTES</c>; the node failed and the output was not stored.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string OutputTooLarge = "node.output_too_large";
}
