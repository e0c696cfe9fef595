using ControlTower.Core.Errors;

namespace ControlTower.Server.Platform.Errors;

/// <summary>
/// The catalog of stable error codes the platform itself raises. Clients match on the code, never on
/// the message. Feature areas add theirs here so there is one list to read; Core's own codes
/// (<c>cel.*</c>, <c>graph.*</c>, <c>crypto.*</c>) keep their prefixes and the same ProblemDetails shape.
/// </summary>
internal static class ErrorCodes
{
    public const string MalformedJson = "request.malformed_json";
    public const string InvalidRequest = "request.invalid";
    public const string BodyTooLarge = "request.body_too_large";
    public const string UnsupportedMediaType = "request.unsupported_media_type";
    public const string RouteNotFound = "request.route_not_found";
    public const string MethodNotAllowed = "request.method_not_allowed";

    public const string AuthenticationRequired = "auth.required";
    public const string InvalidCredentials = "auth.invalid_credentials";
    public const string Forbidden = "auth.forbidden";
    public const string TooManyAuthenticationFailures = "auth.too_many_failures";
    public const string RateLimited = "request.rate_limited";

    public const string UserNotFound = "identity.user_not_found";
    public const string UserExists = "identity.user_exists";
    public const string RoleInvalid = "identity.role_invalid";
    public const string ApiKeyNotFound = "identity.api_key_not_found";
    public const string ApiKeyRevoked = "identity.api_key_already_revoked";

    public const string AuditQueryInvalid = "audit.query_invalid";

    public const string MigrationsPending = "platform.migrations_pending";
    public const string ConfigurationInvalid = "platform.configuration_invalid";
    public const string DatabaseUnavailable = "platform.database_unavailable";
    public const string Internal = "platform.internal_error";

    /// <summary>Every code above with its kind, for the docs and for the catalog test.</summary>
    public static readonly IReadOnlyDictionary<string, ErrorKind> All = new Dictionary<string, ErrorKind>
    {
        [MalformedJson] = ErrorKind.Validation,
        [InvalidRequest] = ErrorKind.Validation,
        [BodyTooLarge] = ErrorKind.PayloadTooLarge,
        [UnsupportedMediaType] = ErrorKind.Validation,
        [RouteNotFound] = ErrorKind.NotFound,
        [MethodNotAllowed] = ErrorKind.Validation,
        [AuthenticationRequired] = ErrorKind.Unauthorized,
        [InvalidCredentials] = ErrorKind.Unauthorized,
        [Forbidden] = ErrorKind.Forbidden,
        [TooManyAuthenticationFailures] = ErrorKind.RateLimited,
        [RateLimited] = ErrorKind.RateLimited,
        [UserNotFound] = ErrorKind.NotFound,
        [UserExists] = ErrorKind.Conflict,
        [RoleInvalid] = ErrorKind.Validation,
        [ApiKeyNotFound] = ErrorKind.NotFound,
        [ApiKeyRevoked] = ErrorKind.Conflict,
        [AuditQueryInvalid] = ErrorKind.Validation,
        [MigrationsPending] = ErrorKind.Unavailable,
        [ConfigurationInvalid] = ErrorKind.Validation,
        [DatabaseUnavailable] = ErrorKind.Unavailable,
        [Internal] = ErrorKind.Internal,
    };

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
