using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace ControlTower.Server.Llm;

/// <summary>
/// Builds the <see cref="IChatClient"/> (Microsoft.Extensions.AI over the OpenAI SDK) that both the <c>llm</c> node and the
/// LLM planner talk through: one path, one set of error codes. The client sends to <c>LLM_BASE_URL</c> over the
/// "ControlTower.Llm" <see cref="HttpClient"/> without SDK retries (the engine and the planner decide), with the key in
/// the header it belongs in, rejects answers that are no chat completion, and is wrapped by <see cref="GuardedChatClient"/>
/// (slots, timeout, status mapping). <c>LLM_API_KEY</c> is registered with the <see cref="SecretRegistry"/> when this is built.
/// </summary>
internal sealed class LlmChatClients : IDisposable
{
    public const string ClientName = "ControlTower.Llm";

    /// <summary>Largest answer accepted; a chat completion is far smaller.</summary>
    public const int MaxResponseBytes = 8 * 1024 * 1024;

    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;

    public LlmChatClients(IHttpClientFactory http, IOptions<LlmOptions> options, TimeProvider time, SecretRegistry? secrets = null)
    {
        _http = http;
        Options = options.Value;
        _time = time;
        _slots = new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency);
        if (!string.IsNullOrEmpty(Options.ApiKey))
        {
            secrets?.Register([Options.ApiKey]);
        }
    }

    public LlmOptions Options { get; }

    public bool IsConfigured => Options.IsConfigured;

    /// <summary>A client for <paramref name="model"/>; <paramref name="key"/> replaces <c>LLM_API_KEY</c> when set (a node's credential).</summary>
    public IChatClient Create(string model, LlmKey? key = null)
    {
        if (!IsConfigured)
        {
            throw new LlmException(LlmErrorCodes.NotConfigured, "No LLM provider is configured on this server: set LLM_BASE_URL (and LLM_API_KEY, or give the node a credentialId).", retryable: false);
        }

        key ??= string.IsNullOrEmpty(Options.ApiKey) ? null : new LlmKey(Options.ApiKey, null);
        if (key?.HeaderName is { } header && !IsHeaderToken(header))
        {
            throw new LlmException(LlmErrorCodes.RequestRejected, $"The key cannot be sent as header '{header}'.", retryable: false);
        }

        var settings = new OpenAIClientOptions
        {
            Endpoint = new Uri(Options.BaseUrl!.TrimEnd('/') + "/", UriKind.Absolute),
            Transport = new HttpClientPipelineTransport(_http.CreateClient(ClientName)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan, // LLM_TIMEOUT_SECONDS is enforced by GuardedChatClient.
        };
        settings.AddPolicy(new KeyHeaderPolicy(key), PipelinePosition.BeforeTransport);
        settings.AddPolicy(new CompletionShapePolicy(), PipelinePosition.BeforeTransport);

        // The SDK insists on a credential; KeyHeaderPolicy replaces its header with the real key, or removes it when there is none.
        var inner = new OpenAIClient(new ApiKeyCredential("unused"), settings).GetChatClient(model).AsIChatClient();
        return new GuardedChatClient(inner, Options, key, _slots, _time);
    }

    private static bool IsHeaderToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));

    public void Dispose() => _slots.Dispose();

    /// <summary>Puts the key in its header (<c>Authorization: Bearer</c>, or the credential's own header) and nothing else.</summary>
    private sealed class KeyHeaderPolicy(LlmKey? key) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Apply(PipelineMessage message)
        {
            message.Request.Headers.Remove("Authorization");
            if (key is not null)
            {
                message.Request.Headers.Set(key.HeaderName ?? "Authorization", key.HeaderName is null ? $"Bearer {key.Value}" : key.Value);
            }
        }
    }

    /// <summary>
    /// A successful, buffered answer must be a chat completion (<c>choices[0].message</c>) within <see cref="MaxResponseBytes"/>:
    /// a gateway's HTML page or an empty choice list is <c>llm.invalid_response</c>, not an SDK parsing error.
    /// </summary>
    private sealed class CompletionShapePolicy : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            ProcessNext(message, pipeline, currentIndex);
            Check(message);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            Check(message);
        }

        private static void Check(PipelineMessage message)
        {
            if (message.Response is not { IsError: false } response || !message.BufferResponse)
            {
                return;
            }

            var body = response.Content.ToMemory();
            if (body.Length > MaxResponseBytes)
            {
                throw new LlmException(LlmErrorCodes.InvalidResponse, $"The LLM provider answered with more than {MaxResponseBytes} bytes.", retryable: false, response.Status);
            }

            if (!IsChatCompletion(body))
            {
                throw new LlmException(LlmErrorCodes.InvalidResponse, "The LLM provider's answer is not a chat completion (no choices[0].message).", retryable: false, response.Status);
            }
        }

        private static bool IsChatCompletion(ReadOnlyMemory<byte> body)
        {
            try
            {
                return JsonNode.Parse(body.Span) is JsonObject completion
                    && completion["choices"] is JsonArray { Count: > 0 } choices
                    && choices[0] is JsonObject first && first["message"] is JsonObject;
            }
            catch (JsonException)
            {
                return false;
            }
        }
    }
}
