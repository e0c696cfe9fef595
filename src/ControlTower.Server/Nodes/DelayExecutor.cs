using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>delay</c>: waits durably until <c>config.until</c> (a CEL expression giving a timestamp or an RFC 3339
/// string, or a CEL duration such as <c>duration('90s')</c> counted from now; wins when both are set) or for
/// <c>config.seconds</c>; "now" is <see cref="NodeExecutionContext.Now"/>.
/// Returns <see cref="NodeResult.Waiting"/> with reason <c>timer</c>, so the run holds no thread; a due
/// time not in the future completes at once. Output (now or on resume) <c>{ "resumeAt": "ISO 8601 UTC" }</c>.
/// </summary>
internal sealed class DelayExecutor(NodeExpressions expressions) : INodeExecutor
{
    public const string TimerReason = "timer";

    /// <summary>The schema's bound on <c>seconds</c>: one year.</summary>
    private const decimal MaxDelaySeconds = 31_536_000;

    public IReadOnlyCollection<string> NodeTypes { get; } = ["delay"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() => Execute(context)));

    private NodeResult Execute(NodeExecutionContext context)
    {
        var due = DueAt(context);
        var output = new JsonObject { ["resumeAt"] = due.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) };
        return due <= context.Now ? NodeResult.Success(output) : new NodeResult.Waiting(TimerReason, due, output);
    }

    private DateTimeOffset DueAt(NodeExecutionContext context)
    {
        if (context.Config.OptionalString("until") is { } until)
        {
            var value = expressions.Evaluate("until", until, context.Activation);
            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return at;
            }

            // A CEL duration reaches JSON as seconds with suffix s ("90s", "1.5s").
            return text.EndsWith('s') && decimal.TryParse(text[..^1], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var wait)
                && wait <= MaxDelaySeconds
                ? context.Now.AddTicks((long)(wait * TimeSpan.TicksPerSecond))
                : throw new NodeFailureException(NodeErrorCodes.DelayUntilInvalid,
                    "config.until must evaluate to a timestamp (e.g. timestamp(input.at)) or a duration of at most a year (e.g. duration('90s')).");
        }

        if (context.Config.OptionalInt("seconds") is { } seconds)
        {
            return seconds >= 0 ? context.Now.AddSeconds(seconds) : throw NodeFailureException.ConfigInvalid("config.seconds must not be negative.");
        }

        throw NodeFailureException.ConfigInvalid("delay needs config.seconds or config.until.");
    }
}
