using ControlTower.Core.Errors;

namespace ControlTower.Server.Llm;

/// <summary>Stable error codes of the <c>llm</c> node and its chat client.</summary>
internal static class LlmErrorCodes
{
    /// <summary><c>LLM_BASE_URL</c> is not set on this server. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string NotConfigured = "llm.not_configured";

    /// <summary>The provider answered 429. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string RateLimited = "llm.rate_limited";

    /// <summary>The provider answered 5xx, or could not be reached. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string Unavailable = "llm.unavailable";

    /// <summary>The provider refused the request (a 4xx other than 429: bad model, bad key, prompt too long). Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string RequestRejected = "llm.request_rejected";

    /// <summary>The request took longer than <c>LLM_TIMEOUT_SECONDS</c>. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string Timeout = "llm.timeout";

    /// <summary>The answer is not an OpenAI chat completion (no <c>choices[0].message</c>). Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string InvalidResponse = "llm.invalid_response";

    /// <summary><c>responseFormat</c> is <c>json</c> and the content is not a JSON object. Retryable: models are stochastic.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string InvalidJson = "llm.invalid_json";

    /// <summary>The node's credential is neither <c>bearer_token</c> nor <c>api_key</c>. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string CredentialTypeUnsupported = "llm.credential_type_unsupported";
}
