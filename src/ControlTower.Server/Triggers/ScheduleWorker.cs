using Microsoft.Extensions.Options;

namespace ControlTower.Server.Triggers;

/// <summary>Runs <see cref="ScheduleTriggers.TickAsync"/> every poll interval. Several processes may run it: firing is idempotent.</summary>
internal sealed class ScheduleWorker(ScheduleTriggers schedules, TimeProvider time, IOptions<TriggerOptions> options, ILogger<ScheduleTriggers> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await schedules.TickAsync(stoppingToken);
            }
#pragma warning disable CA1031 // One bad tick (a busy database, a version that no longer loads) must not stop scheduling.
            catch (Exception failure) when (failure is not OperationCanceledException)
#pragma warning restore CA1031
            {
                ScheduleTriggers.LogTickFailed(logger, failure);
            }

            await Task.Delay(options.Value.SchedulePoll, time, stoppingToken);
        }
    }
}
