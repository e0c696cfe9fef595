using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Crypto;

/// <summary><c>api_key</c>: <c>{ key, header_name? }</c>. Without a header name the Server's default applies.</summary>
public sealed record ApiKeyData : CredentialData
{
    public ApiKeyData(string key, string? headerName = null)
    {
        Key = CredentialChecks.Text(key, "data.key", CredentialChecks.HeaderValue);
        HeaderName = headerName is null ? null : CredentialChecks.Text(headerName, "data.header_name", CredentialChecks.HeaderName);
    }

    public string Key { get; }

    public string? HeaderName { get; }

    public override CredentialType Type => CredentialType.ApiKey;

    public override IReadOnlyList<string> SecretValues() => [Key];

    public override JsonObject ToJson()
    {
        var json = new JsonObject { ["key"] = Key };
        if (HeaderName is not null)
        {
            json["header_name"] = HeaderName;
        }

        return json;
    }

    internal static ApiKeyData FromJson(JsonNode? data)
    {
        var r = new CredentialFieldReader(data, "key", "header_name");
        return new ApiKeyData(r.String("key")!, r.String("header_name"));
    }
}

/// <summary><c>bearer_token</c>: <c>{ token }</c>, sent as <c>Authorization: Bearer</c>.</summary>
public sealed record BearerTokenData : CredentialData
{
    public BearerTokenData(string token) => Token = CredentialChecks.Text(token, "data.token", CredentialChecks.HeaderValue);

    public string Token { get; }

    public override CredentialType Type => CredentialType.BearerToken;

    public override IReadOnlyList<string> SecretValues() => [Token];

    public override JsonObject ToJson() => new() { ["token"] = Token };

    internal static BearerTokenData FromJson(JsonNode? data) => new(new CredentialFieldReader(data, "token").String("token")!);
}

/// <summary>
/// <c>basic_auth</c>: <c>{ username, password }</c>. The password may be empty (APIs that take a key
/// as the user name, e.g. <c>sk_live_…:</c>); the user name may not contain ':' (RFC 7617).
/// </summary>
public sealed record BasicAuthData : CredentialData
{
    public BasicAuthData(string username, string password)
    {
        Username = CredentialChecks.Text(username, "data.username", UsernameProblem);
        Password = CredentialChecks.Text(password, "data.password", CredentialChecks.HeaderValue, allowEmpty: true);
    }

    public string Username { get; }

    public string Password { get; }

    public override CredentialType Type => CredentialType.BasicAuth;

    // The user name is a secret too when an API uses a key as the user name.
    public override IReadOnlyList<string> SecretValues() => Password.Length > 0 ? [Username, Password] : [Username];

    public override JsonObject ToJson() => new() { ["username"] = Username, ["password"] = Password };

    internal static BasicAuthData FromJson(JsonNode? data)
    {
        var r = new CredentialFieldReader(data, "username", "password");
        return new BasicAuthData(r.String("username")!, r.String("password")!);
    }

    private static string? UsernameProblem(string username) =>
        username.Contains(':', StringComparison.Ordinal) ? "must not contain ':'" : CredentialChecks.HeaderValue(username);
}

/// <summary>
/// <c>env_vars</c>: <c>{ variables: { NAME: value } }</c> for a stdio server. Names are POSIX-style
/// (<c>[A-Za-z_][A-Za-z0-9_]*</c>). Names that make a process load or run other code
/// (<c>PATH</c>, <c>LD_*</c>, <c>DYLD_*</c>, <c>NODE_OPTIONS</c>, ...) are refused: a user's
/// credential must not be a way to run code on the host.
/// </summary>
public sealed record EnvVarsData : CredentialData
{
    private static readonly FrozenSet<string> ForbiddenNames = new[]
    {
        "PATH", "NODE_OPTIONS", "NODE_PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "BASH_ENV", "ENV",
        "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
        "DOTNET_STARTUP_HOOKS", "IFS", "SHELLOPTS", "PS4",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly string[] ForbiddenPrefixes = ["LD_", "DYLD_", "CORECLR_", "COMPlus_"];

    public EnvVarsData(IEnumerable<KeyValuePair<string, string>> variables) =>
        Variables = CredentialChecks.Map(variables, "data.variables", NameProblem, CredentialChecks.EnvironmentValue, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Variables { get; }

    public override CredentialType Type => CredentialType.EnvVars;

    public override IReadOnlyList<string> SecretValues() => NonEmptyValuesByKey(Variables);

    public override JsonObject ToJson() => new() { ["variables"] = ToJsonObject(Variables) };

    internal static EnvVarsData FromJson(JsonNode? data) =>
        new(new CredentialFieldReader(data, "variables").StringMap("variables")!);

    // Maps are frozen (unordered); ordering by key keeps output deterministic.
    internal static IReadOnlyList<string> NonEmptyValuesByKey(IReadOnlyDictionary<string, string> map) =>
        [.. map.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).Where(v => v.Length > 0)];

    internal static JsonObject ToJsonObject(IReadOnlyDictionary<string, string> map) =>
        new(map.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value)));

    private static string? NameProblem(string name)
    {
        var wellFormed = name.Length > 0
            && (char.IsAsciiLetter(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!wellFormed)
        {
            return "is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)";
        }

        var forbidden = ForbiddenNames.Contains(name)
            || ForbiddenPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase));
        return forbidden ? "may not be set by a credential (it changes which code a process loads)" : null;
    }
}

/// <summary>
/// <c>oauth2_client_credentials</c>: <c>{ token_url, client_id, client_secret, scopes? }</c>. The
/// token URL is absolute http(s) without user info or fragment (http is allowed for loopback test
/// endpoints; the Server may require https in production). Scopes are RFC 6749 scope tokens.
/// </summary>
public sealed record OAuth2ClientCredentialsData : CredentialData
{
    public OAuth2ClientCredentialsData(string tokenUrl, string clientId, string clientSecret, IEnumerable<string>? scopes = null)
    {
        TokenUrl = ParseTokenUrl(tokenUrl);
        ClientId = CredentialChecks.Text(clientId, "data.client_id", CredentialChecks.HeaderValue);
        ClientSecret = CredentialChecks.Text(clientSecret, "data.client_secret", CredentialChecks.HeaderValue);
        Scopes = [.. (scopes ?? []).Select((s, i) => CredentialChecks.Text(s, $"data.scopes[{i}]", ScopeProblem))];
    }

    public Uri TokenUrl { get; }

    public string ClientId { get; }

    public string ClientSecret { get; }

    public IReadOnlyList<string> Scopes { get; }

    public override CredentialType Type => CredentialType.OAuth2ClientCredentials;

    public override IReadOnlyList<string> SecretValues() => [ClientSecret];

    public override JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["token_url"] = TokenUrl.OriginalString,
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        };
        if (Scopes.Count > 0)
        {
            json["scopes"] = new JsonArray([.. Scopes.Select(s => (JsonNode?)s)]);
        }

        return json;
    }

    internal static OAuth2ClientCredentialsData FromJson(JsonNode? data)
    {
        var r = new CredentialFieldReader(data, "token_url", "client_id", "client_secret", "scopes");
        return new OAuth2ClientCredentialsData(r.String("token_url")!, r.String("client_id")!, r.String("client_secret")!, r.StringArray("scopes"));
    }

    private static Uri ParseTokenUrl(string tokenUrl)
    {
        const string field = "data.token_url";
        var text = CredentialChecks.Text(tokenUrl, field);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw CredentialException.DataInvalid(field, "must be an absolute http or https URL");
        }

        return uri.UserInfo.Length > 0 || uri.Fragment.Length > 0
            ? throw CredentialException.DataInvalid(field, "must not contain user info or a fragment")
            : uri;
    }

    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    private static string? ScopeProblem(string scope) =>
        scope.All(c => c == '\x21' || (c >= '\x23' && c <= '\x5B') || (c >= '\x5D' && c <= '\x7E'))
            ? null
            : "is not a valid OAuth scope token";
}

/// <summary>
/// <c>headers</c>: <c>{ headers: { Name: value } }</c> sent to an HTTP MCP server. Names are HTTP
/// tokens, distinct ignoring case; headers that frame or route the request (Host, Content-Length,
/// Transfer-Encoding, Connection, ...) are refused.
/// </summary>
public sealed record HeadersData : CredentialData
{
    private static readonly FrozenSet<string> ForbiddenNames = new[]
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE", "Trailer",
        "Keep-Alive", "Proxy-Connection", "Expect",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public HeadersData(IEnumerable<KeyValuePair<string, string>> headers) =>
        Headers = CredentialChecks.Map(headers, "data.headers", NameProblem, CredentialChecks.HeaderValue, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string> Headers { get; }

    public override CredentialType Type => CredentialType.Headers;

    public override IReadOnlyList<string> SecretValues() => EnvVarsData.NonEmptyValuesByKey(Headers);

    public override JsonObject ToJson() => new() { ["headers"] = EnvVarsData.ToJsonObject(Headers) };

    internal static HeadersData FromJson(JsonNode? data) =>
        new(new CredentialFieldReader(data, "headers").StringMap("headers")!);

    private static string? NameProblem(string name) =>
        CredentialChecks.HeaderName(name) ?? (ForbiddenNames.Contains(name) ? "may not be set by a credential" : null);
}
