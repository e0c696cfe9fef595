using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ControlTower.Core.Crypto;
using ControlTower.Core.Errors;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

/// <summary>
/// Access tokens for <c>oauth2_client_credentials</c> credentials (RFC 6749 §4.4), cached per credential
/// and renewed before they expire, not only after a 401: a token is reused until
/// <c>expires_in</c> minus the refresh margin (<see cref="CredentialOptions.OAuthRefreshMarginSeconds"/>,
/// or 10% of the lifetime when that is less), measured on the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// <para>Single flight: callers of one credential that find the token stale queue on that credential's
/// gate; the first fetches, the rest find the fresh token when they get in.</para>
/// <para>Client authentication is HTTP Basic (RFC 6749 §2.3.1, the method servers must support); a server
/// that answers <c>invalid_client</c> or 401 to it is asked once more with the secret in the form body.</para>
/// <para>The cache key includes a digest of the credential data, so replacing the secret drops the old token.</para>
/// </remarks>
internal sealed partial class OAuthTokenCache(
    IHttpClientFactory httpClients,
    TimeProvider time,
    SecretRegistry secrets,
    IOptions<CredentialOptions> options,
    ILogger<OAuthTokenCache> logger)
{
    public const string HttpClientName = "credentials.oauth";

    private readonly ConcurrentDictionary<Guid, Slot> _slots = new();

    public async Task<string> GetAccessTokenAsync(Guid credentialId, OAuth2ClientCredentialsData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var version = VersionOf(data);
        var slot = _slots.GetOrAdd(credentialId, _ => new Slot());
        if (slot.Fresh(version, time.GetUtcNow()) is { } cached)
        {
            return cached;
        }

        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (slot.Fresh(version, time.GetUtcNow()) is { } refreshedMeanwhile)
            {
                return refreshedMeanwhile;
            }

            var token = await RequestAsync(credentialId, data, version, cancellationToken);
            slot.Token = token;
            return token.AccessToken;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Forgets the credential's token: after its secret changed, it was deleted, or a server answered 401.</summary>
    public void Invalidate(Guid credentialId) => _slots.TryRemove(credentialId, out _);

    private async Task<CachedToken> RequestAsync(Guid credentialId, OAuth2ClientCredentialsData data, string version, CancellationToken cancellationToken)
    {
        var host = data.TokenUrl.Authority;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.OAuthTimeoutSeconds));
        var client = httpClients.CreateClient(HttpClientName);
        try
        {
            var requestedAt = time.GetUtcNow();
            using var basicRequest = TokenRequest(data, basicAuthentication: true);
            using var basic = await client.SendAsync(basicRequest, timeout.Token);
            if (await RefusedClientAuthenticationAsync(basic, timeout.Token))
            {
                Log.RetryingWithFormAuthentication(logger, host);
                using var formRequest = TokenRequest(data, basicAuthentication: false);
                using var form = await client.SendAsync(formRequest, timeout.Token);
                return await ReadTokenAsync(credentialId, form, version, requestedAt, host, timeout.Token);
            }

            return await ReadTokenAsync(credentialId, basic, version, requestedAt, host, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            throw Failed(credentialId, $"The OAuth token endpoint {host} could not be reached ({ex.HttpRequestError}).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(credentialId, $"The OAuth token endpoint {host} did not answer within {options.Value.OAuthTimeoutSeconds} s.");
        }
    }

    private static HttpRequestMessage TokenRequest(OAuth2ClientCredentialsData data, bool basicAuthentication)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (data.Scopes.Count > 0)
        {
            form.Add(new("scope", string.Join(' ', data.Scopes)));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, data.TokenUrl);
        if (basicAuthentication)
        {
            // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
            var pair = $"{Uri.EscapeDataString(data.ClientId)}:{Uri.EscapeDataString(data.ClientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
        else
        {
            form.Add(new("client_id", data.ClientId));
            form.Add(new("client_secret", data.ClientSecret));
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static async Task<bool> RefusedClientAuthenticationAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.BadRequest)
        {
            return false;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return ErrorCodeOf(await response.Content.ReadAsStringAsync(cancellationToken)) == "invalid_client";
    }

    private async Task<CachedToken> ReadTokenAsync(
        Guid credentialId,
        HttpResponseMessage response,
        string version,
        DateTimeOffset requestedAt,
        string host,
        CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // Only the RFC 6749 error code is repeated: error_description is free text that may echo input.
            var code = ErrorCodeOf(body);
            throw Failed(credentialId, $"The OAuth token endpoint {host} answered {(int)response.StatusCode}{(code is null ? "" : $" ({code})")}.");
        }

        var (accessToken, tokenType, expiresIn) = ParseTokenResponse(body) ?? throw Failed(credentialId, $"The OAuth token endpoint {host} did not answer with a JSON access token.");
        if (tokenType is not null && !tokenType.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw Failed(credentialId, $"The OAuth token endpoint {host} issued a token of an unsupported type (only Bearer is supported).");
        }

        secrets.Register([accessToken]);
        var lifetime = TimeSpan.FromSeconds(expiresIn ?? options.Value.OAuthDefaultLifetimeSeconds);
        var margin = TimeSpan.FromSeconds(Math.Min(options.Value.OAuthRefreshMarginSeconds, lifetime.TotalSeconds / 10));
        // Counted from when the request was sent: the endpoint's clock started before the answer arrived.
        var token = new CachedToken(accessToken, version, requestedAt + lifetime - margin);
        Log.TokenObtained(logger, credentialId, host, lifetime.TotalSeconds, (lifetime - margin).TotalSeconds);
        return token;
    }

    private static (string AccessToken, string? TokenType, double? ExpiresIn)? ParseTokenResponse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("access_token", out var accessToken)
                || accessToken.ValueKind != JsonValueKind.String
                || accessToken.GetString() is not { Length: > 0 } token)
            {
                return null;
            }

            var tokenType = root.TryGetProperty("token_type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
            return (token, tokenType, ExpiresIn(root));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Some endpoints send expires_in as a string; anything unusable means "not given".
    private static double? ExpiresIn(JsonElement root)
    {
        if (!root.TryGetProperty("expires_in", out var value))
        {
            return null;
        }

        var seconds = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var n) => n,
            JsonValueKind.String when double.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var s) => s,
            _ => (double?)null,
        };
        return seconds is > 0 and < 366 * 86_400 ? seconds : null;
    }

    /// <summary>The RFC 6749 §5.2 <c>error</c> code if the body has one made of its allowed characters.</summary>
    private static string? ErrorCodeOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String
                && error.GetString() is { Length: > 0 and <= 64 } code
                && code.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
                    ? code
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private ControlTowerException Failed(Guid credentialId, string message)
    {
        var safe = secrets.Redact(message);
        Log.TokenFailed(logger, credentialId, safe);
        return CredentialErrorCodes.Error(CredentialErrorCodes.OAuthTokenFailed, safe);
    }

    private static string VersionOf(OAuth2ClientCredentialsData data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data.ToJson().ToJsonString())));

    private sealed record CachedToken(string AccessToken, string Version, DateTimeOffset RefreshAt)
    {
        public override string ToString() => $"CachedToken(refresh at {RefreshAt:O})";
    }

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile CachedToken? Token;

        public string? Fresh(string version, DateTimeOffset now) =>
            Token is { } token && token.Version == version && now < token.RefreshAt ? token.AccessToken : null;
    }
}
