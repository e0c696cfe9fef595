using ControlTower.Core.Errors;

namespace ControlTower.Server.Operations;

/// <summary>Stable error codes of the operations API (metrics summary, SLOs).</summary>
internal static class OperationsErrorCodes
{
    /// <summary>A summary window is not a number of minutes or hours (<c>15m</c>, <c>1h</c>) between one minute and <c>OPS_ROLLING_HOURS</c>.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string WindowInvalid = "metrics.window_invalid";
}
