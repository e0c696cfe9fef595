using Microsoft.Extensions.Options;

namespace ControlTower.Server.Releases;

/// <summary>Every poll interval: the canary check (<see cref="CanaryMonitor"/>), then the shadows (<see cref="ShadowRuns"/>).</summary>
internal sealed partial class ReleaseWorker(CanaryMonitor canary, ShadowRuns shadows, TimeProvider time, IOptions<ReleaseOptions> options, ILogger<ReleaseWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await canary.EvaluateAsync(stoppingToken);
                await shadows.TickAsync(stoppingToken);
            }
#pragma warning disable CA1031 // One bad pass (a busy database) must not stop canary checks for good.
            catch (Exception failure) when (failure is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Log.PassFailed(logger, failure);
            }

            await Task.Delay(options.Value.Poll, time, stoppingToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Release pass failed; retrying after the poll interval")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
