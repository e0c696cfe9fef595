using ControlTower.Core.Errors;

namespace ControlTower.Server.Platform.Errors;

/// <summary>
/// The stable error codes the platform itself raises (request, auth, identity, audit, platform). Clients match
/// on the code, never on the message. Each feature keeps its own <c>*ErrorCodes</c> class; the one list of
/// every code is docs/error-codes.md, generated from all of them and kept true by ErrorCatalogTests.
/// </summary>
internal static class ErrorCodes
{
    /// <summary>The request body is not valid JSON, or not of the shape the endpoint reads.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string MalformedJson = "request.malformed_json";

    /// <summary>A text value of the request body holds a character the platform never stores (NUL, <c>\u0000</c>).</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string InvalidCharacter = "request.invalid_character";

    /// <summary>A name or free-text field is longer than <c>MAX_NAME_LENGTH</c> / <c>MAX_TEXT_LENGTH</c>; <c>field</c> names it.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string TextTooLong = "request.text_too_long";

    /// <summary>A concurrent request created or changed the same resource first (a unique key no more specific code names). Retry after reloading.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string Conflict = "request.conflict";

    /// <summary>The request is invalid in a way no more specific code names (a bare 400).</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string InvalidRequest = "request.invalid";

    /// <summary>The request body is larger than <c>MAX_REQUEST_BODY_BYTES</c>.</summary>
    [ErrorCode(ErrorKind.PayloadTooLarge)]
    public const string BodyTooLarge = "request.body_too_large";

    /// <summary>The body is not sent as <c>application/json</c>.</summary>
    [ErrorCode(ErrorKind.Validation, Status = StatusCodes.Status415UnsupportedMediaType)]
    public const string UnsupportedMediaType = "request.unsupported_media_type";

    /// <summary>No endpoint at this path.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string RouteNotFound = "request.route_not_found";

    /// <summary>The path exists but not with this HTTP method.</summary>
    [ErrorCode(ErrorKind.Validation, Status = StatusCodes.Status405MethodNotAllowed)]
    public const string MethodNotAllowed = "request.method_not_allowed";

    /// <summary>The request needs an API key and came without one.</summary>
    [ErrorCode(ErrorKind.Unauthorized)]
    public const string AuthenticationRequired = "auth.required";

    /// <summary>The API key is not valid, is revoked, or its user is disabled.</summary>
    [ErrorCode(ErrorKind.Unauthorized)]
    public const string InvalidCredentials = "auth.invalid_credentials";

    /// <summary>The caller is known but their role does not allow this.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string Forbidden = "auth.forbidden";

    /// <summary>Too many failed authentications from this client; <c>Retry-After</c> says when to try again. Retryable.</summary>
    [ErrorCode(ErrorKind.RateLimited)]
    public const string TooManyAuthenticationFailures = "auth.too_many_failures";

    /// <summary>The caller sent more requests than the rate limit allows; <c>Retry-After</c> says when to try again. Retryable.</summary>
    [ErrorCode(ErrorKind.RateLimited)]
    public const string RateLimited = "request.rate_limited";

    /// <summary>No such user.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string UserNotFound = "identity.user_not_found";

    /// <summary>A user with this name exists already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string UserExists = "identity.user_exists";

    /// <summary>The role is not one of the known roles.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string RoleInvalid = "identity.role_invalid";

    /// <summary>No such API key for this caller.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ApiKeyNotFound = "identity.api_key_not_found";

    /// <summary>The API key is revoked already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ApiKeyRevoked = "identity.api_key_already_revoked";

    /// <summary>The user holds the most active API keys allowed (<c>API_KEYS_MAX_PER_USER</c>); revoke one first.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ApiKeyLimitReached = "identity.api_key_limit_reached";

    /// <summary>An audit query parameter is out of range or malformed.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string AuditQueryInvalid = "audit.query_invalid";

    /// <summary>The database schema is behind this build and <c>MIGRATE_ON_START</c> is off. Retryable after migrating.</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string MigrationsPending = "platform.migrations_pending";

    /// <summary>The database cannot be reached. Retryable.</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string DatabaseUnavailable = "platform.database_unavailable";

    /// <summary>An unexpected failure; the log has the details under the request's trace id.</summary>
    [ErrorCode(ErrorKind.Internal)]
    public const string Internal = "platform.internal_error";

    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorKind.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The code a bare status gets when nothing more specific was said (404 from routing, ...).</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => InvalidRequest,
        StatusCodes.Status401Unauthorized => AuthenticationRequired,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => RouteNotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => DatabaseUnavailable,
        _ => Internal,
    };
}
