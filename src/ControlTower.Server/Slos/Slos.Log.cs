namespace ControlTower.Server.Slos;

internal sealed partial class SloNotifier
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 9711, Level = LogLevel.Warning, Message = "SLO alert {DedupeKey} was refused by notification target {Target} with status {Status}; the next evaluation tries again")]
        public static partial void DeliveryRefused(ILogger logger, string target, string dedupeKey, int status);

        [LoggerMessage(EventId = 9712, Level = LogLevel.Warning, Message = "SLO alert {DedupeKey} could not be delivered to notification target {Target}; the next evaluation tries again")]
        public static partial void DeliveryFailed(ILogger logger, Exception exception, string target, string dedupeKey);
    }
}

internal sealed partial class SloEvaluator
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 9713, Level = LogLevel.Warning, Message = "SLO alert {Rule} of {SloId} fired: burn rate {LongBurnRate} over the long window, {ShortBurnRate} over the short one")]
        public static partial void AlertFired(ILogger logger, string sloId, string rule, double longBurnRate, double shortBurnRate);

        [LoggerMessage(EventId = 9714, Level = LogLevel.Information, Message = "SLO alert {Rule} of {SloId} cleared")]
        public static partial void AlertResolved(ILogger logger, string sloId, string rule);

        [LoggerMessage(EventId = 9715, Level = LogLevel.Warning, Message = "Evaluating the SLOs failed; the next interval tries again")]
        public static partial void EvaluationFailed(ILogger logger, Exception exception);
    }
}
