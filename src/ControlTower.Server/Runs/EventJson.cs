using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ControlTower.Server.Runs;

/// <summary>
/// Writes a run event's small JSON payload straight to its text, through one writer and buffer per thread, instead of
/// building a <see cref="System.Text.Json.Nodes.JsonObject"/> per event and serializing it: a chain of ten nodes writes a
/// few dozen of them per commit. The writer's defaults are <c>JsonNode.ToJsonString()</c>'s (same encoder, not indented),
/// so the text is the same.
/// </summary>
internal static class EventJson
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The JSON <paramref name="write"/> writes (synchronously: the buffer is this thread's).</summary>
    public static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        write(writer, state);
        writer.Flush();
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > 64 * 1024)
        {
            t_buffer = null; // an unusually large payload: its buffer is not kept
        }

        return text;
    }
}
