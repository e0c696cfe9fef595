using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Llm;

/// <summary>The OpenAI-compatible chat endpoint <c>llm</c> nodes call. Bound from the flat configuration keys.</summary>
internal sealed class LlmOptions
{
    /// <summary>
    /// Base URL of an OpenAI-compatible API, e.g. <c>https://api.openai.com/v1</c> or <c>http://localhost:11434/v1</c>
    /// (requests go to <c>{base}/chat/completions</c>). No default: without it an <c>llm</c> node fails with
    /// <c>llm.not_configured</c>.
    /// </summary>
    [ConfigurationKeyName("LLM_BASE_URL")]
    public string? BaseUrl { get; set; }

    /// <summary>The server's key, sent as <c>Authorization: Bearer</c> unless a node names a credential. A secret: masked everywhere, never logged.</summary>
    [ConfigurationKeyName("LLM_API_KEY")]
    public string? ApiKey { get; set; }

    /// <summary>How long one chat completion request may take before it fails with <c>llm.timeout</c>.</summary>
    [ConfigurationKeyName("LLM_TIMEOUT_SECONDS")]
    [Range(1, 3600)]
    public double TimeoutSeconds { get; set; } = 90;

    /// <summary>Chat completion requests one process sends at once; more wait for a free slot.</summary>
    [ConfigurationKeyName("LLM_MAX_CONCURRENCY")]
    [Range(1, 1000)]
    public int MaxConcurrency { get; set; } = 4;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);

    /// <summary>An absolute http(s) URL, or none at all.</summary>
    public bool HasValidBaseUrl() =>
        !IsConfigured || (Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https");

    /// <summary><c>{base}/chat/completions</c>, whether or not the base ends with a slash.</summary>
    public Uri ChatCompletionsUrl() => new($"{BaseUrl!.TrimEnd('/')}/chat/completions", UriKind.Absolute);

    // Options objects end up in debugger views and exception messages; the key must not.
    public override string ToString() => $"LlmOptions({BaseUrl ?? "not configured"}, key {(string.IsNullOrEmpty(ApiKey) ? "unset" : "set")})";
}
