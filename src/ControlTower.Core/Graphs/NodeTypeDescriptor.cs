using System.Text.Json.Nodes;

namespace ControlTower.Core.Graphs;

/// <summary>What a node type is for; the dashboard groups its palette by it.</summary>
public enum NodeCategory
{
    Trigger,
    Action,
    Logic,
    Flow,
    Human,
    Ai,
}

/// <summary>
/// Outcomes that come from a node's config rather than from its type: the <c>Name</c> property of
/// each item of the config array <c>ArrayProperty</c>, plus the <c>Fixed</c> ones
/// (for <c>switch</c>: every <c>cases[*].name</c> and <c>default</c>).
/// </summary>
public sealed record DynamicOutputs(string ArrayProperty, string NameProperty, IReadOnlyList<string> Fixed);

/// <summary>
/// Declares a node type: its handles, outcomes, config schema and defaults.
/// <see cref="OutputHandles"/> are the outcomes a successful execution may report; every type
/// additionally has the catchable <see cref="ErrorOutcome"/>, taken when the node fails (after its
/// retries) and an edge leaves its <c>error</c> handle.
/// <see cref="ConfigSchema"/> is a JSON Schema subset (type, required, properties, items, enum,
/// minimum, maximum, pattern, additionalProperties, default, description) where string fields that
/// hold CEL carry <c>"x-cel": "expression"</c> (a CEL expression) or <c>"x-cel": "template"</c>
/// (text with <c>{{ expression }}</c> holes). The schema objects are shared: do not mutate them.
/// </summary>
public sealed record NodeTypeDescriptor(
    string Type,
    NodeCategory Category,
    string DisplayName,
    string Description,
    IReadOnlyList<string> InputHandles,
    IReadOnlyList<string> OutputHandles,
    JsonObject ConfigSchema,
    bool HasSideEffects,
    RetryPolicy DefaultRetry,
    TimeSpan? DefaultTimeout)
{
    /// <summary>The outcome every node type has for a caught failure.</summary>
    public const string ErrorOutcome = "error";

    /// <summary>Set for types whose outcomes come from config (<c>switch</c>).</summary>
    public DynamicOutputs? DynamicOutputs { get; init; }

    /// <summary>
    /// False for types whose output may differ between two executions with the same input and no side effect (a language
    /// model's answer): a replay feeds them their recorded result, as it does side-effecting ones, so the difference
    /// report shows what the workflow's own logic changed rather than the model's mood.
    /// </summary>
    public bool IsDeterministic { get; init; } = true;

    /// <summary>Whether a replay feeds a node of this type its recorded result instead of executing it.</summary>
    public bool ReplaysFromRecording => HasSideEffects || !IsDeterministic;

    /// <summary>What the runner does after a crash between intent and result.</summary>
    public UnknownOutcomePolicy DefaultUnknownOutcome { get; init; } = UnknownOutcomePolicy.Retry;

    /// <summary>The success outcomes of a node of this type with this config (never includes <c>error</c>).</summary>
    public IReadOnlyList<string> OutcomesFor(JsonObject? config)
    {
        if (DynamicOutputs is not { } dynamic)
        {
            return OutputHandles;
        }

        var outcomes = new List<string>();
        if (config?[dynamic.ArrayProperty] is JsonArray items)
        {
            foreach (var item in items)
            {
                if (item is JsonObject obj && obj[dynamic.NameProperty] is JsonValue v && v.TryGetValue<string>(out var name) && !outcomes.Contains(name))
                {
                    outcomes.Add(name);
                }
            }
        }

        outcomes.AddRange(dynamic.Fixed.Where(f => !outcomes.Contains(f)));
        return outcomes;
    }

    /// <summary>Whether an edge may leave a node of this type (with this config) from <paramref name="handle"/>.</summary>
    public bool DeclaresOutput(string handle, JsonObject? config) =>
        handle == ErrorOutcome || OutcomesFor(config).Contains(handle);

    /// <summary>The form <c>GET /api/node-types</c> returns.</summary>
    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["type"] = Type,
            ["category"] = Category.ToString().ToLowerInvariant(),
            ["displayName"] = DisplayName,
            ["description"] = Description,
            ["inputHandles"] = new JsonArray([.. InputHandles.Select(h => (JsonNode?)h)]),
            ["outputHandles"] = new JsonArray([.. OutputHandles.Select(h => (JsonNode?)h)]),
            ["errorHandle"] = ErrorOutcome,
            ["configSchema"] = ConfigSchema.DeepClone(),
            ["hasSideEffects"] = HasSideEffects,
            ["deterministic"] = IsDeterministic,
            ["defaultRetry"] = new JsonObject
            {
                ["maxAttempts"] = DefaultRetry.MaxAttempts,
                ["initialBackoffMs"] = (long)DefaultRetry.InitialBackoff.TotalMilliseconds,
                ["multiplier"] = DefaultRetry.Multiplier,
                ["maxBackoffMs"] = (long)DefaultRetry.MaxBackoff.TotalMilliseconds,
                ["jitter"] = DefaultRetry.Jitter,
            },
            ["defaultTimeoutMs"] = DefaultTimeout is { } t ? (long)t.TotalMilliseconds : null,
            ["defaultOnUnknownOutcome"] = DefaultUnknownOutcome == UnknownOutcomePolicy.Ask ? "ask" : "retry",
        };
        if (DynamicOutputs is { } d)
        {
            obj["dynamicOutputs"] = new JsonObject
            {
                ["arrayProperty"] = d.ArrayProperty,
                ["nameProperty"] = d.NameProperty,
                ["fixed"] = new JsonArray([.. d.Fixed.Select(f => (JsonNode?)f)]),
            };
        }

        return obj;
    }
}
