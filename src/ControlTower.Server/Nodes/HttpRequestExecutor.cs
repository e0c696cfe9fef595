using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>http.request</c>: sends <c>config.method</c> (default GET) to <c>config.url</c> (template) with
/// <c>config.query</c> and <c>config.headers</c> (templates) and the value of <c>config.body</c> (CEL) as JSON,
/// plus the header <c>Idempotency-Key</c> = the attempt's idempotency key. Destinations pass the
/// <see cref="HttpDestinationGuard"/>. Output <c>{ status, headers: { lower-case name: value }, body }</c>, the
/// body parsed when the content type is JSON (<c>application/json</c>, <c>*+json</c>), else text, null when empty.
/// <para>Success: 1xx-3xx (redirects are not followed) and <c>config.expectedStatuses</c>. Failures:
/// 5xx <c>http.status_5xx</c> (retryable); 4xx <c>http.status_4xx</c> (retryable only for 408 and 429);
/// <c>http.transport_failed</c> and <c>http.timeout</c> (<c>config.timeoutSeconds</c>, default 30) retryable;
/// <c>http.response_too_large</c> beyond <c>config.maxResponseBytes</c> (default 1 MiB),
/// <c>http.destination_denied</c>, <c>http.url_invalid</c>, <c>http.header_invalid</c> not retryable.</para>
/// <para>Credentials: <c>config.credentialId</c> names a credential the run's acting user may use (own, or shared with
/// them or their role; else <c>credential.not_found</c>). It is decrypted through the vault (audited <c>credential.used</c>
/// with run and node) just before sending and becomes headers only (<see cref="CredentialInjection"/>):
/// <c>bearer_token</c> and <c>oauth2_client_credentials</c> (the cached access token) → <c>Authorization: Bearer</c>,
/// <c>basic_auth</c> → <c>Authorization: Basic</c>, <c>api_key</c> → its <c>header_name</c> (default <c>X-Api-Key</c>),
/// <c>headers</c> → those headers. <c>env_vars</c> cannot travel over HTTP: <c>http.credential_type_unsupported</c>.
/// A credential header never silently replaces one from <c>config.headers</c> (or <c>Idempotency-Key</c>): the same name
/// in both is <c>http.header_conflict</c>, before anything is sent. None of these failures is retryable except
/// <c>credential.oauth_token_failed</c>. Values are masked by the secret registry wherever they would be recorded.</para>
/// </summary>
internal sealed class HttpRequestExecutor(
    IHttpClientFactory clients, NodeExpressions expressions, TimeProvider time, ILogger<HttpRequestExecutor> logger, CredentialVault? vault = null, HttpDestinationGuard? guard = null) : INodeExecutor
{
    public const string ClientName = "ControlTower.Nodes.Http";
    public const string IdempotencyHeader = "Idempotency-Key";
    public const int DefaultTimeoutSeconds = 30;
    public const int DefaultMaxResponseBytes = 1024 * 1024;

    private const int MessageBodyExcerpt = 256;
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

    public IReadOnlyCollection<string> NodeTypes { get; } = ["http.request"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private sealed record Call(HttpMethod Method, Uri Url, List<KeyValuePair<string, string>> Headers, JsonNode? Body,
        bool HasBody, TimeSpan Timeout, int MaxResponseBytes, HashSet<int> ExpectedStatuses)
    {
        public string Target => $"{Method} {Url.Scheme}://{Url.Authority}{Url.AbsolutePath}";
    }

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var call = Prepare(context);
        var credentialHeaders = await CredentialHeadersAsync(context, call, cancellationToken).ConfigureAwait(false);
        using var request = ToRequest(call, context.IdempotencyKey, credentialHeaders);
        using var timeout = new CancellationTokenSource(call.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await BoundedContent.ReadAsync(response.Content, call.MaxResponseBytes, () => TooLarge(call), linked.Token).ConfigureAwait(false);
            logger.HttpRequestCompleted(call.Method.Method, call.Url.Host, (int)response.StatusCode, time.GetElapsedTime(started).TotalMilliseconds);
            return Classify(call, response, body);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Failure(call, NodeErrorCodes.HttpTimeout, $"{call.Target} did not answer within {call.Timeout.TotalSeconds:0} s.", retryable: true);
        }
        catch (HttpRequestException ex) when (DeniedIn(ex) is { } denied)
        {
            throw Failure(call, NodeErrorCodes.HttpDestinationDenied, denied.Message, retryable: false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw Failure(call, NodeErrorCodes.HttpTransportFailed, $"{call.Target} failed: {ex.Message}", retryable: true);
        }
    }

    private Call Prepare(NodeExecutionContext context)
    {
        var config = context.Config;
        var method = (config.OptionalString("method") ?? "GET").ToUpperInvariant();
        if (!Methods.Contains(method))
        {
            throw NodeFailureException.ConfigInvalid($"config.method must be one of {string.Join(", ", Methods)}.");
        }

        var url = WithQuery(NodeExpressions.RenderText("url", config.RequiredString("url"), context.Activation), RenderStrings(config, "query", context.Activation));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new NodeFailureException(NodeErrorCodes.HttpUrlInvalid, "config.url must render to an absolute http or https URL.");
        }

        var bodyExpression = config.OptionalString("body");
        var body = bodyExpression is null ? null : expressions.Evaluate("body", bodyExpression, context.Activation);
        var timeoutSeconds = config.OptionalInt("timeoutSeconds") ?? DefaultTimeoutSeconds;
        var maxBytes = config.OptionalInt("maxResponseBytes") ?? DefaultMaxResponseBytes;
        if (timeoutSeconds < 1 || maxBytes < 1)
        {
            throw NodeFailureException.ConfigInvalid("config.timeoutSeconds and config.maxResponseBytes must be positive.");
        }

        return new Call(new HttpMethod(method), uri, RenderStrings(config, "headers", context.Activation), body, bodyExpression is not null,
            TimeSpan.FromSeconds(timeoutSeconds), maxBytes, ExpectedStatuses(config));
    }

    /// <summary>
    /// A destination the policy denies is refused before a credential is decrypted, so no <c>credential.used</c> is
    /// audited for a call that can never be sent. The connect step still checks (and pins) the address it connects to.
    /// </summary>
    private async Task EnsureDestinationAllowedAsync(Call call, CancellationToken cancellationToken)
    {
        if (guard is null)
        {
            return;
        }

        try
        {
            await guard.CheckAsync(call.Url.Host, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpDestinationDeniedException denied)
        {
            throw Failure(call, NodeErrorCodes.HttpDestinationDenied, denied.Message, retryable: false);
        }
    }

    /// <summary>The credential's headers (empty when the node names none), checked against the config's headers.</summary>
    private async Task<IReadOnlyDictionary<string, string>> CredentialHeadersAsync(NodeExecutionContext context, Call call, CancellationToken cancellationToken)
    {
        if (NodeCredentials.ConfiguredId(context.Config) is not { } credentialId)
        {
            return new Dictionary<string, string>();
        }

        var credentials = NodeCredentials.Require(vault, context.NodeType);
        await EnsureDestinationAllowedAsync(call, cancellationToken).ConfigureAwait(false);
        ConnectionSecrets secrets;
        try
        {
            // Metadata first: a type that cannot travel over HTTP is refused without decrypting (and auditing a use that never happens).
            var credential = await credentials.DescribeForUseAsync(context.ActingUserId, credentialId, cancellationToken).ConfigureAwait(false);
            if (!CredentialInjection.CarriesHeaders(Core.Crypto.CredentialTypes.Parse(credential.CredentialType)))
            {
                throw new NodeFailureException(NodeErrorCodes.HttpCredentialTypeUnsupported,
                    $"Credential {credentialId} is of type {credential.CredentialType}: environment variables reach stdio MCP servers only. "
                    + "http.request takes bearer_token, basic_auth, api_key, headers or oauth2_client_credentials.");
            }

            secrets = await credentials.ResolveConnectionSecretsAsync(context.ActingUserId, credentialId,
                NodeCredentials.Purpose(context, $"http.request sends {call.Target}"), cancellationToken).ConfigureAwait(false);
        }
        catch (ControlTowerException ex) when (ex is not NodeFailureException)
        {
            throw new NodeFailureException(ex.Code, ex.Message, retryable: ex.Code == CredentialErrorCodes.OAuthTokenFailed);
        }

        var clash = secrets.Headers.Keys.FirstOrDefault(name =>
            name.Equals(IdempotencyHeader, StringComparison.OrdinalIgnoreCase)
            || call.Headers.Any(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)));
        return clash is null
            ? secrets.Headers
            : throw new NodeFailureException(NodeErrorCodes.HttpHeaderConflict,
                $"Header '{clash}' comes from credential {credentialId}" +
                $"{(clash.Equals(IdempotencyHeader, StringComparison.OrdinalIgnoreCase) ? ", which may not set the idempotency key" : " and from config.headers: remove it from config.headers")}.");
    }

    private static List<KeyValuePair<string, string>> RenderStrings(JsonObject config, string field, JsonObject activation)
    {
        var rendered = new List<KeyValuePair<string, string>>();
        foreach (var (name, template) in config.OptionalObject(field) ?? [])
        {
            var text = template is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw NodeFailureException.ConfigInvalid($"config.{field}.{name} must be a string.");
            rendered.Add(KeyValuePair.Create(name, NodeExpressions.RenderText($"{field}.{name}", text, activation)));
        }

        return rendered;
    }

    private static string WithQuery(string url, List<KeyValuePair<string, string>> query)
    {
        if (query.Count == 0)
        {
            return url;
        }

        var fragment = url.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? url[hash..] : "";
        var path = fragment.Length > 0 ? url[..^fragment.Length] : url;
        var pairs = string.Join('&', query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return $"{path}{(path.Contains('?', StringComparison.Ordinal) ? "&" : "?")}{pairs}{fragment}";
    }

    private static HashSet<int> ExpectedStatuses(JsonObject config)
    {
        var statuses = new HashSet<int>();
        foreach (var item in config.OptionalArray("expectedStatuses") ?? [])
        {
            statuses.Add(item is JsonValue v && v.TryGetValue<int>(out var status) ? status : throw NodeFailureException.ConfigInvalid("config.expectedStatuses must hold integers."));
        }

        return statuses;
    }

    private static HttpRequestMessage ToRequest(Call call, string idempotencyKey, IReadOnlyDictionary<string, string> credentialHeaders)
    {
        // HTTP/1.1 over the guarded connect: never upgraded to HTTP/3, whose QUIC connect would bypass the guard.
        var request = new HttpRequestMessage(call.Method, call.Url) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        if (call.HasBody)
        {
            request.Content = new StringContent(call.Body?.ToJsonString() ?? "null", Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in call.Headers)
        {
            if (name.Equals(IdempotencyHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue; // The attempt's key, set below, is the one that makes retries safe.
            }

            if (!IsSendable(value) || (!request.Headers.TryAddWithoutValidation(name, value) && !AddContentHeader(request, name, value)))
            {
                request.Dispose();
                throw new NodeFailureException(NodeErrorCodes.HttpHeaderInvalid, $"Header '{name}' cannot be sent{(request.Content is null ? " (content headers need config.body)" : "")}.");
            }
        }

        foreach (var (name, value) in credentialHeaders)
        {
            if (!IsSendable(value) || !request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Dispose();
                throw new NodeFailureException(NodeErrorCodes.HttpHeaderInvalid, $"Header '{name}' of the credential cannot be sent (a request header with visible ASCII only).");
            }
        }

        request.Headers.TryAddWithoutValidation(IdempotencyHeader, idempotencyKey);
        return request;
    }

    /// <summary>Visible ASCII, spaces and tabs only: no line breaks to inject headers with, nothing HttpClient would refuse at send time.</summary>
    private static bool IsSendable(string value) => value.All(c => c == '\t' || c is >= ' ' and < (char)0x7F);

    private static bool AddContentHeader(HttpRequestMessage request, string name, string value)
    {
        if (request.Content is null)
        {
            return false;
        }

        request.Content.Headers.Remove(name);
        return request.Content.Headers.TryAddWithoutValidation(name, value);
    }

    private static NodeFailureException TooLarge(Call call) =>
        new(NodeErrorCodes.HttpResponseTooLarge, $"{call.Target} answered with more than config.maxResponseBytes ({call.MaxResponseBytes} bytes).");

    private NodeResult Classify(Call call, HttpResponseMessage response, byte[] bytes)
    {
        var status = (int)response.StatusCode;
        var body = ParseBody(response.Content.Headers.ContentType, bytes);
        if (status < 400 || call.ExpectedStatuses.Contains(status))
        {
            return NodeResult.Success(new JsonObject { ["status"] = status, ["headers"] = Headers(response), ["body"] = body });
        }

        var excerpt = NodeExpressions.AsText(body) is { Length: > 0 } text && body is not null
            ? $": {(text.Length > MessageBodyExcerpt ? text[..MessageBodyExcerpt] + "..." : text)}"
            : "";
        var message = $"{call.Target} answered {status} {response.ReasonPhrase}{excerpt}";
        throw status >= 500
            ? Failure(call, NodeErrorCodes.HttpStatus5xx, message, retryable: true)
            : Failure(call, NodeErrorCodes.HttpStatus4xx, message, retryable: status is 408 or 429);
    }

    private static JsonObject Headers(HttpResponseMessage response)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }

        return headers;
    }

    private static JsonNode? ParseBody(MediaTypeHeaderValue? contentType, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return null;
        }

        var mediaType = contentType?.MediaType ?? "";
        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return JsonNode.Parse(bytes);
            }
            catch (JsonException)
            {
                // Says JSON, is not: keep the text so the failure can be seen downstream.
            }
        }

        return JsonValue.Create(EncodingOf(contentType).GetString(bytes));
    }

    private static Encoding EncodingOf(MediaTypeHeaderValue? contentType)
    {
        try
        {
            return contentType?.CharSet is { Length: > 0 } charset ? Encoding.GetEncoding(charset.Trim('"')) : Encoding.UTF8;
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    private NodeFailureException Failure(Call call, string code, string message, bool retryable)
    {
        logger.HttpRequestFailed(call.Method.Method, call.Url.Host, code);
        return new NodeFailureException(code, message, retryable);
    }

    private static HttpDestinationDeniedException? DeniedIn(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpDestinationDeniedException denied)
            {
                return denied;
            }
        }

        return null;
    }
}
