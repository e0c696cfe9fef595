namespace ControlTower.Server.Retention;

internal sealed partial class RetentionWorker
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Retention pruned {Runs} run(s): {Rows} row(s), {Bytes} payload bytes, {Blobs} blob(s) of {BlobBytes} bytes; " +
            "{Kept} run(s) past their policy kept (held, awaiting approval, rollback window, parent running); {Seconds:F1} s")]
        public static partial void Pruned(ILogger logger, int runs, long rows, long bytes, int blobs, long blobBytes, int kept, double seconds);

        [LoggerMessage(2, LogLevel.Warning, "Retention pass failed; retrying at the next interval")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
