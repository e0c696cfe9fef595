using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;

namespace ControlTower.Server.Llm;

/// <summary>
/// <see cref="ILlmChatClient"/> for the <c>llm</c> node, on the shared <see cref="IChatClient"/> of <see cref="LlmChatClients"/>:
/// the node's request becomes chat messages and options (<c>temperature</c>, <c>max_tokens</c>, <c>response_format:
/// json_object</c>), the answer its text, model, finish reason and usage (zeros when the provider sends none). Status
/// mapping, timeout and concurrency are <see cref="GuardedChatClient"/>'s.
/// </summary>
internal sealed class OpenAiChatClient(LlmChatClients clients) : ILlmChatClient
{
    public bool IsConfigured => clients.IsConfigured;

    public async Task<LlmCompletion> CompleteAsync(LlmChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = clients.Create(request.Model, request.Key);
        var messages = request.Messages.Select(m => new AiChatMessage(new AiChatRole(m.Role), m.Content)).ToList();
        var response = await client.GetResponseAsync(messages, Options(request), cancellationToken).ConfigureAwait(false);
        var usage = response.Usage;
        var promptTokens = Tokens(usage?.InputTokenCount);
        var completionTokens = Tokens(usage?.OutputTokenCount);
        return new LlmCompletion(
            response.Text,
            response.ModelId ?? request.Model,
            response.FinishReason?.Value,
            new LlmUsage(promptTokens, completionTokens, usage?.TotalTokenCount is { } total ? Tokens(total) : promptTokens + completionTokens));
    }

    private static ChatOptions Options(LlmChatRequest request)
    {
        var options = new ChatOptions
        {
            Temperature = request.Temperature is { } t ? (float)t : null,
            ResponseFormat = request.JsonObjectResponse ? ChatResponseFormat.Json : null,
        };
        if (request.MaxTokens is { } maxTokens)
        {
            // max_tokens, as every OpenAI-compatible server reads it (the SDK's own property is the newer max_completion_tokens).
            options.RawRepresentationFactory = _ => MaxTokens(maxTokens);
        }

        return options;
    }

#pragma warning disable SCME0001 // JsonPatch is the SDK's documented way to send a property it does not model.
    private static ChatCompletionOptions MaxTokens(int maxTokens)
    {
        var options = new ChatCompletionOptions();
        options.Patch.Set("$.max_tokens"u8, maxTokens);
        return options;
    }
#pragma warning restore SCME0001

    private static int Tokens(long? count) => count is >= 0 and <= int.MaxValue ? (int)count.Value : 0;
}
