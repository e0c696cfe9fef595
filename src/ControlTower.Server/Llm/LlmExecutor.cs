using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Nodes;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Llm;

/// <summary>
/// <c>llm</c>: asks an OpenAI-compatible chat model. <c>config.system</c> and <c>config.prompt</c> are templates rendered
/// over the node's activation and sent as the system and user messages to <c>config.model</c>, with
/// <c>config.temperature</c>, <c>config.maxTokens</c> (<c>max_tokens</c>) and, for <c>config.responseFormat</c>
/// <c>json</c>, <c>response_format: {"type": "json_object"}</c>. Output
/// <c>{ text, json, model, finishReason, usage: { promptTokens, completionTokens, totalTokens } }</c> where <c>json</c>
/// is the parsed object in json mode (null in text mode); content that is not a JSON object there is
/// <c>llm.invalid_json</c>, retryable since the next sample may be fine.
/// <para>Key: <c>LLM_API_KEY</c>, or <c>config.credentialId</c> (a <c>bearer_token</c>, or an <c>api_key</c> sent in its
/// <c>header_name</c> when it has one, else as bearer) resolved for the run's acting user through the vault, audited
/// <c>credential.used</c>; any other type is <c>llm.credential_type_unsupported</c> before decrypting. A server without
/// <c>LLM_BASE_URL</c> fails every llm node with <c>llm.not_configured</c>, before any credential is touched.
/// Other codes: see <see cref="LlmErrorCodes"/>. Prompts and completions are masked by the secret registry when the
/// runner records the result, like every node's.</para>
/// </summary>
internal sealed class LlmExecutor(ILlmChatClient client, LlmMetrics metrics, TimeProvider time, ILogger<LlmExecutor> logger, CredentialVault? vault = null) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["llm"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var request = Prepare(context);
        if (!client.IsConfigured)
        {
            throw new NodeFailureException(LlmErrorCodes.NotConfigured,
                "No LLM provider is configured on this server: set LLM_BASE_URL (and LLM_API_KEY, or give the node a credentialId).");
        }

        request = request with { Key = await CredentialKeyAsync(context, request.Model, cancellationToken).ConfigureAwait(false) };
        var started = time.GetTimestamp();
        LlmCompletion completion;
        try
        {
            completion = await client.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (LlmException ex)
        {
            Failed(request.Model, ex.Code, ex.Status, started);
            throw new NodeFailureException(ex.Code, ex.Message, ex.Retryable);
        }

        metrics.Tokens(completion.Model, completion.Usage);
        var json = request.JsonObjectResponse ? ParseJsonObject(completion, request.Model, started) : null;
        var elapsed = time.GetElapsedTime(started);
        metrics.Succeeded(completion.Model, elapsed);
        logger.Completed(completion.Model, completion.FinishReason, elapsed.TotalMilliseconds, completion.Usage.PromptTokens, completion.Usage.CompletionTokens);
        return NodeResult.Success(new JsonObject
        {
            ["text"] = completion.Text,
            ["json"] = json,
            ["model"] = completion.Model,
            ["finishReason"] = completion.FinishReason,
            ["usage"] = new JsonObject
            {
                ["promptTokens"] = completion.Usage.PromptTokens,
                ["completionTokens"] = completion.Usage.CompletionTokens,
                ["totalTokens"] = completion.Usage.TotalTokens,
            },
        });
    }

    private static LlmChatRequest Prepare(NodeExecutionContext context)
    {
        var config = context.Config;
        var messages = new List<LlmMessage>(2);
        if (config.OptionalString("system") is { } system)
        {
            messages.Add(new LlmMessage("system", NodeExpressions.RenderText("system", system, context.Activation)));
        }

        messages.Add(new LlmMessage("user", NodeExpressions.RenderText("prompt", config.RequiredString("prompt"), context.Activation)));
        var json = (config.OptionalString("responseFormat") ?? "text") switch
        {
            "text" => false,
            "json" => true,
            _ => throw NodeFailureException.ConfigInvalid("config.responseFormat must be text or json."),
        };
        return new LlmChatRequest(config.RequiredString("model"), messages, Temperature(config), config.OptionalInt("maxTokens"), json);
    }

    private static double? Temperature(JsonObject config) => config["temperature"] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<double>(out var t) => t,
        _ => throw NodeFailureException.ConfigInvalid("config.temperature must be a number."),
    };

    private JsonObject ParseJsonObject(LlmCompletion completion, string model, long started)
    {
        try
        {
            if (JsonNode.Parse(completion.Text) is JsonObject parsed)
            {
                return parsed;
            }
        }
        catch (JsonException)
        {
            // Reported below, like valid JSON that is not an object.
        }

        Failed(model, LlmErrorCodes.InvalidJson, null, started);
        throw new NodeFailureException(LlmErrorCodes.InvalidJson,
            $"responseFormat is json and the model's answer is not a JSON object (finish reason {completion.FinishReason ?? "none"}, {completion.Text.Length} characters).",
            retryable: true);
    }

    private void Failed(string model, string code, int? status, long started)
    {
        var elapsed = time.GetElapsedTime(started);
        metrics.Failed(model, code, elapsed);
        logger.Failed(model, code, status, elapsed.TotalMilliseconds);
    }

    /// <summary>The node's credential as the request's key, or null to use the server's <c>LLM_API_KEY</c>.</summary>
    private async Task<LlmKey?> CredentialKeyAsync(NodeExecutionContext context, string model, CancellationToken cancellationToken)
    {
        if (NodeCredentials.ConfiguredId(context.Config) is not { } credentialId)
        {
            return null;
        }

        var credentials = NodeCredentials.Require(vault, context.NodeType);
        try
        {
            // Metadata first: a type that carries no key is refused without decrypting (and auditing a use that never happens).
            var credential = await credentials.DescribeForUseAsync(context.ActingUserId, credentialId, cancellationToken).ConfigureAwait(false);
            if (CredentialTypes.Parse(credential.CredentialType) is not (CredentialType.BearerToken or CredentialType.ApiKey))
            {
                throw new NodeFailureException(LlmErrorCodes.CredentialTypeUnsupported,
                    $"Credential {credentialId} is of type {credential.CredentialType}: the llm node takes a bearer_token or an api_key.");
            }

            var data = await credentials.ResolveForUseAsync(context.ActingUserId, credentialId,
                NodeCredentials.Purpose(context, $"llm asks model {model}"), cancellationToken).ConfigureAwait(false);
            return data switch
            {
                BearerTokenData bearer => new LlmKey(bearer.Token, null),
                ApiKeyData apiKey => new LlmKey(apiKey.Key, apiKey.HeaderName),
                _ => throw new NodeFailureException(LlmErrorCodes.CredentialTypeUnsupported, $"Credential {credentialId} carries no key."),
            };
        }
        catch (ControlTowerException ex) when (ex is not NodeFailureException)
        {
            throw new NodeFailureException(ex.Code, ex.Message);
        }
    }
}
