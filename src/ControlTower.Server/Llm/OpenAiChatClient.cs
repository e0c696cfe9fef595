using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Http;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Llm;

/// <summary>
/// <see cref="ILlmChatClient"/> over an OpenAI-compatible <c>POST {LLM_BASE_URL}/chat/completions</c> with plain
/// <see cref="HttpClient"/> and System.Text.Json: small, and every byte sent is ours to see. At most
/// <c>LLM_MAX_CONCURRENCY</c> requests are in flight (the timeout starts once one has a slot). Status mapping:
/// 429 <c>llm.rate_limited</c> and 5xx or transport failures <c>llm.unavailable</c> (retryable), other 4xx
/// <c>llm.request_rejected</c> with the provider's <c>error.message</c> (the key masked out), a body that is no chat
/// completion <c>llm.invalid_response</c>, <c>LLM_TIMEOUT_SECONDS</c> exceeded <c>llm.timeout</c>.
/// <c>LLM_API_KEY</c> is registered with the <see cref="SecretRegistry"/> when this client is built (at start).
/// </summary>
internal sealed class OpenAiChatClient : ILlmChatClient, IDisposable
{
    public const string ClientName = "ControlTower.Llm";

    /// <summary>Largest answer read; a chat completion is far smaller.</summary>
    public const int MaxResponseBytes = 8 * 1024 * 1024;

    private const int MessageExcerpt = 512;

    private readonly IHttpClientFactory _clients;
    private readonly LlmOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;

    public OpenAiChatClient(IHttpClientFactory clients, IOptions<LlmOptions> options, TimeProvider time, SecretRegistry? secrets = null)
    {
        _clients = clients;
        _options = options.Value;
        _time = time;
        _slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            secrets?.Register([_options.ApiKey]);
        }
    }

    public bool IsConfigured => _options.IsConfigured;

    public async Task<LlmCompletion> CompleteAsync(LlmChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsConfigured)
        {
            throw new LlmException(LlmErrorCodes.NotConfigured, "No LLM provider is configured on this server: set LLM_BASE_URL (and LLM_API_KEY, or give the node a credentialId).", retryable: false);
        }

        var key = request.Key ?? (string.IsNullOrEmpty(_options.ApiKey) ? null : new LlmKey(_options.ApiKey, null));
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendAsync(request, key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<LlmCompletion> SendAsync(LlmChatRequest request, LlmKey? key, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(_options.TimeoutSeconds);
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        using var message = ToHttpRequest(request, key);
        try
        {
            using var response = await _clients.CreateClient(ClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await BoundedContent.ReadAsync(response.Content, MaxResponseBytes, TooLarge, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? ParseCompletion(body, request.Model, status)
                : throw Refusal(status, response, body, key);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LlmException(LlmErrorCodes.Timeout, $"The LLM provider did not answer within {timeout.TotalSeconds:0.#} s (LLM_TIMEOUT_SECONDS).", retryable: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new LlmException(LlmErrorCodes.Unavailable, $"The LLM provider at {_options.ChatCompletionsUrl().Authority} could not be reached: {ex.Message}", retryable: true);
        }
    }

    private HttpRequestMessage ToHttpRequest(LlmChatRequest request, LlmKey? key)
    {
        var body = new JsonObject
        {
            ["model"] = request.Model,
            ["messages"] = new JsonArray([.. request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
        };
        if (request.Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }

        if (request.MaxTokens is { } maxTokens)
        {
            body["max_tokens"] = maxTokens;
        }

        if (request.JsonObjectResponse)
        {
            body["response_format"] = new JsonObject { ["type"] = "json_object" };
        }

        var message = new HttpRequestMessage(HttpMethod.Post, _options.ChatCompletionsUrl())
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (key is not null && !(key.HeaderName is null
                ? message.Headers.TryAddWithoutValidation("Authorization", $"Bearer {key.Value}")
                : message.Headers.TryAddWithoutValidation(key.HeaderName, key.Value)))
        {
            message.Dispose();
            throw new LlmException(LlmErrorCodes.RequestRejected, $"The key cannot be sent as header '{key.HeaderName ?? "Authorization"}'.", retryable: false);
        }

        return message;
    }

    private static LlmException TooLarge() =>
        new(LlmErrorCodes.InvalidResponse, $"The LLM provider answered with more than {MaxResponseBytes} bytes.", retryable: false);

    /// <summary>The first choice's message content, the model, the finish reason and the usage (zeros when the provider sends none).</summary>
    private static LlmCompletion ParseCompletion(byte[] body, string requestedModel, int status)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            document = null;
        }

        if (document is not JsonObject completion || completion["choices"] is not JsonArray { Count: > 0 } choices || choices[0]?["message"] is not JsonObject message)
        {
            throw new LlmException(LlmErrorCodes.InvalidResponse, "The LLM provider's answer is not a chat completion (no choices[0].message).", retryable: false, status);
        }

        var usage = completion["usage"] as JsonObject;
        var promptTokens = IntOf(usage?["prompt_tokens"]);
        var completionTokens = IntOf(usage?["completion_tokens"]);
        return new LlmCompletion(
            StringOf(message["content"]) ?? "",
            StringOf(completion["model"]) ?? requestedModel,
            StringOf(choices[0]!["finish_reason"]),
            new LlmUsage(promptTokens, completionTokens, usage?["total_tokens"] is { } total ? IntOf(total) : promptTokens + completionTokens));
    }

    private LlmException Refusal(int status, HttpResponseMessage response, byte[] body, LlmKey? key)
    {
        var detail = ProviderMessage(body, key);
        if (status == 429)
        {
            var after = RetryAfter(response) is { } wait ? $"; it asks to wait {wait.TotalSeconds:0.#} s" : "";
            return new LlmException(LlmErrorCodes.RateLimited, $"The LLM provider is rate limiting requests (429{after}){detail}", retryable: true, status);
        }

        return status >= 500
            ? new LlmException(LlmErrorCodes.Unavailable, $"The LLM provider failed with {status}{detail}", retryable: true, status)
            : new LlmException(LlmErrorCodes.RequestRejected, $"The LLM provider rejected the request with {status}{detail}", retryable: false, status);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>
    /// <c>error.message</c> of an OpenAI error body, else a text excerpt; never the key (providers echo keys they refuse),
    /// whatever the secret registry would mask later.
    /// </summary>
    private string ProviderMessage(byte[] body, LlmKey? key)
    {
        string text;
        try
        {
            text = StringOf(JsonNode.Parse(body)?["error"]?["message"]) ?? Encoding.UTF8.GetString(body);
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(body);
        }
        catch (InvalidOperationException)
        {
            text = Encoding.UTF8.GetString(body); // "error" is not an object.
        }

        foreach (var secret in new[] { key?.Value, _options.ApiKey })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        text = text.Trim();
        return text.Length == 0 ? "." : $": {(text.Length > MessageExcerpt ? text[..MessageExcerpt] + "..." : text)}";
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static int IntOf(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) && number is >= 0 and <= int.MaxValue ? (int)number : 0;

    public void Dispose() => _slots.Dispose();
}
