using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Persistence;
using Npgsql;

namespace ControlTower.Server.Runs;

/// <summary>
/// Several server processes on one PostgreSQL: every committed transition sends
/// <c>NOTIFY controltower_runs, '&lt;run id&gt;'</c> (delivered only on commit), and every process
/// listens, waking its workers and the event streams of that run. Without it other processes would
/// still find the work and events by polling, only later. Idle on SQLite (one process). The same connection
/// listens on <see cref="CacheInvalidation.PostgresChannel"/> for cache entries other processes changed.
/// </summary>
internal sealed partial class PostgresRunNotifications(
    DatabaseConnection connection,
    RunEventNotifier events,
    RunWorkSignal work,
    CacheInvalidation cache,
    ILogger<PostgresRunNotifications> logger) : BackgroundService
{
    public const string Channel = "controltower_runs";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection.Provider != DatabaseProvider.PostgreSql)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (NpgsqlException failure)
            {
                Log.ListenFailed(logger, failure);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var listener = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false }.ConnectionString);
        await listener.OpenAsync(stoppingToken);
        listener.Notification += (_, notification) =>
        {
            if (notification.Channel == CacheInvalidation.PostgresChannel)
            {
                cache.Receive(notification.Payload);
                return;
            }

            if (Guid.TryParse(notification.Payload, out var runId))
            {
                events.Publish(runId);
            }

            work.Notify();
        };
        await using (var command = new NpgsqlCommand($"LISTEN {Channel}; LISTEN {CacheInvalidation.PostgresChannel}", listener))
        {
            await command.ExecuteNonQueryAsync(stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await listener.WaitAsync(stoppingToken);
        }
    }
}
