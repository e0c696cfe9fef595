using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ControlTower.Server.Credentials;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace ControlTower.Server.Platform.Observability;

/// <summary>
/// The platform's log format: one JSON object per line (time, level, category, event id, message, the
/// structured values, exception, trace and span ids), with every secret the vault has loaded masked
/// in all of it. Defence in depth: code never logs secrets on purpose, and this catches the ones that
/// slip into a message, a value or an exception text anyway.
/// </summary>
internal sealed class RedactingJsonConsoleFormatter(SecretRegistry secrets, TimeProvider time) : ConsoleFormatter(Name)
{
    public new const string Name = "controltower-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.WriteString("level", logEntry.LogLevel.ToString());
            writer.WriteString("category", logEntry.Category);
            writer.WriteNumber("eventId", logEntry.EventId.Id);
            writer.WriteString("message", secrets.Redact(message ?? ""));
            WriteState(writer, logEntry.State);
            if (logEntry.Exception is { } exception)
            {
                writer.WriteString("exception", secrets.Redact(exception.ToString()));
            }

            if (Activity.Current is { } activity)
            {
                writer.WriteString("traceId", activity.TraceId.ToString());
                writer.WriteString("spanId", activity.SpanId.ToString());
            }

            writer.WriteEndObject();
        }

        textWriter.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private void WriteState<TState>(Utf8JsonWriter writer, TState state)
    {
        if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return;
        }

        writer.WriteStartObject("state");
        foreach (var (key, value) in values)
        {
            if (key != "{OriginalFormat}")
            {
                writer.WriteString(key, value is null ? null : secrets.Redact(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
            }
        }

        writer.WriteEndObject();
    }
}
