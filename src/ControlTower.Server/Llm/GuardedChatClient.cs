using System.ClientModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ControlTower.Server.Llm;

/// <summary>
/// The provider-facing rules every caller of the LLM shares: at most <c>LLM_MAX_CONCURRENCY</c> requests in flight (the
/// timeout starts once one has a slot), <c>LLM_TIMEOUT_SECONDS</c> per request, and failures as <see cref="LlmException"/>:
/// 429 <c>llm.rate_limited</c> and 5xx or transport failures <c>llm.unavailable</c> (retryable), other 4xx
/// <c>llm.request_rejected</c> with the provider's <c>error.message</c> (keys masked out), the timeout <c>llm.timeout</c>.
/// The caller's own cancellation passes through as cancellation.
/// </summary>
internal sealed class GuardedChatClient(IChatClient inner, LlmOptions options, LlmKey? key, SemaphoreSlim slots, TimeProvider time)
    : DelegatingChatClient(inner)
{
    private const int MessageExcerpt = 512;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
            using var timer = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                return await base.GetResponseAsync(messages, chatOptions, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new LlmException(LlmErrorCodes.Timeout, $"The LLM provider did not answer within {timeout.TotalSeconds:0.#} s (LLM_TIMEOUT_SECONDS).", retryable: true);
            }
            catch (ClientResultException ex) when (ex.GetRawResponse() is { } response)
            {
                throw Refusal(response.Status, response);
            }
            catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
            {
                throw new LlmException(LlmErrorCodes.Unavailable, $"The LLM provider at {options.ChatCompletionsUrl().Authority} could not be reached: {Masked(ex.Message)}", retryable: true);
            }
        }
        finally
        {
            slots.Release();
        }
    }

    private LlmException Refusal(int status, System.ClientModel.Primitives.PipelineResponse response)
    {
        var detail = ProviderMessage(response.Content);
        if (status == 429)
        {
            var after = RetryAfter(response) is { } wait ? $"; it asks to wait {wait.TotalSeconds:0.#} s" : "";
            return new LlmException(LlmErrorCodes.RateLimited, $"The LLM provider is rate limiting requests (429{after}){detail}", retryable: true, status);
        }

        return status >= 500
            ? new LlmException(LlmErrorCodes.Unavailable, $"The LLM provider failed with {status}{detail}", retryable: true, status)
            : new LlmException(LlmErrorCodes.RequestRejected, $"The LLM provider rejected the request with {status}{detail}", retryable: false, status);
    }

    private TimeSpan? RetryAfter(System.ClientModel.Primitives.PipelineResponse response)
    {
        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? (date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero)
            : null;
    }

    /// <summary><c>error.message</c> of an OpenAI error body, else a text excerpt; never a key (providers echo keys they refuse).</summary>
    private string ProviderMessage(BinaryData body)
    {
        var raw = Encoding.UTF8.GetString(body.ToMemory().Span);
        string text;
        try
        {
            text = JsonNode.Parse(raw) is JsonObject { } document && document["error"] is JsonObject error
                && error["message"] is JsonValue message && message.GetValueKind() == JsonValueKind.String
                    ? message.GetValue<string>()
                    : raw;
        }
        catch (JsonException)
        {
            text = raw;
        }

        text = Masked(text).Trim();
        return text.Length == 0 ? "." : $": {(text.Length > MessageExcerpt ? text[..MessageExcerpt] + "..." : text)}";
    }

    private string Masked(string text)
    {
        foreach (var secret in new[] { key?.Value, options.ApiKey })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
