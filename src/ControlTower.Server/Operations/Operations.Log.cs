namespace ControlTower.Server.Operations;

internal sealed partial class OperationsSnapshot
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 9701, Level = LogLevel.Warning, Message = "Sampling the queue, approvals and trust stages failed; the last sample stands")]
        public static partial void SampleFailed(ILogger logger, Exception exception);
    }
}
