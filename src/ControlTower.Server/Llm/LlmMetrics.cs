using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ControlTower.Server.Llm;

/// <summary>
/// Instruments of the meter "ControlTower.Llm" (exported with the other <c>ControlTower*</c> meters). Tags carry the
/// model and the outcome (<c>success</c> or the error code), never prompts or keys.
/// </summary>
internal sealed class LlmMetrics
{
    public const string MeterName = "ControlTower.Llm";

    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _requests;

    public LlmMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _tokens = meter.CreateCounter<long>("controltower.llm.tokens", "{token}", "Tokens used by llm nodes, by model and token type (input, output).");
        _duration = meter.CreateHistogram<double>("controltower.llm.request.duration", "ms", "Duration of chat completion requests, by model and outcome.");
        _requests = meter.CreateCounter<long>("controltower.llm.requests", "{request}", "Chat completion requests, by model and outcome.");
    }

    /// <summary>Tokens of an answer the provider billed, whether or not the node then accepts it.</summary>
    public void Tokens(string model, LlmUsage usage)
    {
        _tokens.Add(usage.PromptTokens, new TagList { { "model", model }, { "token.type", "input" } });
        _tokens.Add(usage.CompletionTokens, new TagList { { "model", model }, { "token.type", "output" } });
    }

    public void Succeeded(string model, TimeSpan duration) => Request(model, "success", duration);

    public void Failed(string model, string code, TimeSpan duration) => Request(model, code, duration);

    private void Request(string model, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "model", model }, { "outcome", outcome } };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalMilliseconds, tags);
    }
}
