using ControlTower.Core.Errors;

namespace ControlTower.Server.Llm;

/// <summary>
/// The LLM provider seam: one chat completion. The application's implementation is <see cref="OpenAiChatClient"/>
/// (any OpenAI-compatible <c>/chat/completions</c>); failures are <see cref="LlmException"/> with the codes of
/// <see cref="LlmErrorCodes"/>. Cancellation is honoured: a cancelled token aborts the request in flight.
/// </summary>
internal interface ILlmChatClient
{
    /// <summary>Whether a provider is configured at all; when not, <see cref="CompleteAsync"/> fails with <c>llm.not_configured</c>.</summary>
    bool IsConfigured { get; }

    Task<LlmCompletion> CompleteAsync(LlmChatRequest request, CancellationToken cancellationToken);
}

internal sealed record LlmMessage(string Role, string Content);

/// <summary>
/// One chat completion request. <see cref="Key"/>, when set, replaces the server's <c>LLM_API_KEY</c> (a node's credential).
/// <see cref="JsonObjectResponse"/> asks for <c>response_format: {"type": "json_object"}</c>.
/// </summary>
internal sealed record LlmChatRequest(string Model, IReadOnlyList<LlmMessage> Messages, double? Temperature, int? MaxTokens, bool JsonObjectResponse)
{
    public LlmKey? Key { get; init; }
}

/// <summary>A key and the header it travels in: <c>Authorization: Bearer</c> when <see cref="HeaderName"/> is null.</summary>
internal sealed record LlmKey(string Value, string? HeaderName)
{
    // Records print their members; the key must never reach a log or a message.
    public override string ToString() => $"LlmKey({HeaderName ?? "Authorization"})";
}

internal sealed record LlmUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

internal sealed record LlmCompletion(string Text, string Model, string? FinishReason, LlmUsage Usage);

/// <summary>A failed completion. <see cref="Status"/> is the provider's HTTP status when it answered.</summary>
internal sealed class LlmException(string code, string message, bool retryable, int? status = null)
    : ControlTowerException(retryable ? ErrorKind.Unavailable : ErrorKind.Validation, code, message)
{
    public bool Retryable { get; } = retryable;

    public int? Status { get; } = status;
}
