using ControlTower.Core.Errors;

namespace ControlTower.Core.Triggers;

/// <summary>Stable codes of <see cref="TriggerException"/>: cron codes are graph problems of a schedule trigger, webhook codes answer a delivery with 401.</summary>
public static class TriggerErrorCodes
{
    /// <summary>The cron expression does not parse (field count, value, range, step or name).</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string CronInvalid = "cron.invalid";

    /// <summary>The cron expression parses but names no real date (e.g. 30 February).</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string CronNeverFires = "cron.never_fires";

    /// <summary>The time zone id is not known to the system's time zone database.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string TimeZoneUnknown = "cron.time_zone_unknown";

    /// <summary>The signature header is missing, malformed or does not match the body.</summary>
    [ErrorCode(ErrorKind.Unauthorized)]
    public const string SignatureInvalid = "webhook.signature_invalid";

    /// <summary>The timestamp header is missing or not an integer of Unix seconds.</summary>
    [ErrorCode(ErrorKind.Unauthorized)]
    public const string TimestampInvalid = "webhook.timestamp_invalid";

    /// <summary>The signed timestamp is further from now than the replay window allows.</summary>
    [ErrorCode(ErrorKind.Unauthorized)]
    public const string TimestampOutsideWindow = "webhook.timestamp_outside_window";
}
