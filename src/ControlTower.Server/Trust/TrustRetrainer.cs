using ControlTower.Core.Errors;
using ControlTower.Core.Trust.Learning;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Trust;

/// <summary>
/// Keeps the predictor on the active models and retrains when a trigger fires (new events, age, drift), every
/// <see cref="TrustOptions.RetrainCheckSeconds"/>. Runs beside the engine, never in a governed action's path; across
/// processes the trainer lease lets one train while the others only pick the new models up.
/// </summary>
internal sealed partial class TrustRetrainer(TrustModelService models, IOptions<TrustOptions> options, TimeProvider time, ILogger<TrustRetrainer> logger) : BackgroundService
{
    public const string Actor = "system:trust-retrainer";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.RetrainCheckSeconds);
        await models.LoadActiveAsync(stoppingToken);
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await TickAsync(stoppingToken);
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        try
        {
            await models.LoadActiveAsync(stoppingToken);
            var check = await models.CheckAsync(stoppingToken);
            if (!check.Retrain)
            {
                return;
            }

            Log.Retraining(logger, string.Join("; ", check.Reasons));
            var result = await models.RetrainAsync(Actor, stoppingToken);
            Log.Retrained(logger, result.Models.Count, string.Join("; ", result.Skipped));
        }
        catch (ControlTowerException ex) when (ex.Code == TrustErrorCodes.TrainingInProgress)
        {
            Log.LeaseHeld(logger);
        }
        catch (TrustModelException ex)
        {
            // A model that cannot be trained or read leaves the current ones in use; the next tick tries again.
            Log.TrainingFailed(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9411, Level = LogLevel.Information, Message = "Retraining the trust models: {Reasons}")]
        public static partial void Retraining(ILogger logger, string reasons);

        [LoggerMessage(EventId = 9412, Level = LogLevel.Information, Message = "Trained {Count} trust model(s); skipped: {Skipped}")]
        public static partial void Retrained(ILogger logger, int count, string skipped);

        [LoggerMessage(EventId = 9413, Level = LogLevel.Debug, Message = "Another process holds the trust trainer lease")]
        public static partial void LeaseHeld(ILogger logger);

        [LoggerMessage(EventId = 9414, Level = LogLevel.Warning, Message = "Training the trust models failed: {Message}")]
        public static partial void TrainingFailed(ILogger logger, string message);
    }
}
