namespace ControlTower.Server.Blobs;

internal sealed partial class PayloadBlobs
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Run {RunId}: payload of {Size} bytes stored as blob {Sha256} in the {Store} store")]
        public static partial void Stored(ILogger logger, Guid runId, string sha256, long size, string store);
    }
}
