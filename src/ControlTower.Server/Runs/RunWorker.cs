using Microsoft.Extensions.Options;

namespace ControlTower.Server.Runs;

/// <summary>
/// The bounded worker pool: claims due tasks up to the free slots, processes each on the thread
/// pool, and sleeps until signalled or the poll interval passes. Waiting runs cost nothing here:
/// they are rows with a due time. A stopping process hands its leases back.
/// </summary>
internal sealed partial class RunWorker(
    RunTaskClaimer claimer,
    RunTaskProcessor processor,
    RunWorkSignal signal,
    EngineMetrics metrics,
    WorkerLoad load,
    IOptions<EngineOptions> options,
    ILogger<RunWorker> logger) : BackgroundService
{
    // Unique per process start, so a restarted process never mistakes a dead predecessor's lease for its own.
    private readonly string _owner = $"{Environment.ProcessId}:{Guid.NewGuid():N}";

    // The last claim filled every free slot, so more may be due: a finishing task wakes the loop to claim again
    // instead of leaving its slot idle until the poll interval (10,000 fired timers resumed 16 per poll).
    private volatile bool _backlog;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var engine = options.Value;
        using var slots = new SemaphoreSlim(engine.Concurrency, engine.Concurrency);
        load.AddSlots(engine.Concurrency);
        var running = new Dictionary<Guid, Task>();
        Log.Started(logger, _owner, engine.Concurrency);
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var done in running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
            {
                running.Remove(done);
            }

            var free = slots.CurrentCount;
            var claimed = free == 0 ? [] : await ClaimAsync(free, engine, stoppingToken);
            if (free > 0)
            {
                _backlog = claimed.Count == free;
            }

            var started = 0;

            // A claimed task already running here had its lease run out because a heartbeat came late (a busy
            // database); claiming it again only extended our own lease. Running it twice would repeat its side effect.
            foreach (var task in claimed.Where(t => !running.ContainsKey(t.Id)))
            {
                await slots.WaitAsync(stoppingToken);
                running.Add(task.Id, Task.Run(() => RunOneAsync(task, slots, engine, stoppingToken), CancellationToken.None));
                started++;
            }

            if (started == 0)
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(engine.PollMilliseconds), stoppingToken);
            }
        }

        await Task.WhenAll(running.Values);
        load.AddSlots(-engine.Concurrency);
    }

    private async Task<IReadOnlyList<RunTaskEntity>> ClaimAsync(int count, EngineOptions engine, CancellationToken stoppingToken)
    {
        try
        {
            return await claimer.ClaimAsync(_owner, count, engine.Lease, stoppingToken);
        }
        catch (Exception failure) when (IsDatabaseUnavailable(failure))
        {
            // The database is briefly unavailable or busy: log and look again after the poll interval.
            Log.ClaimFailed(logger, failure);
            return [];
        }
    }

    private async Task RunOneAsync(RunTaskEntity task, SemaphoreSlim slots, EngineOptions engine, CancellationToken stoppingToken)
    {
        using var heartbeat = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(task, engine, heartbeat.Token);
        load.Enter();
        try
        {
            await processor.ProcessAsync(task, stoppingToken);
            metrics.RecordTask(task.Kind);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await claimer.ReleaseAsync(task, _owner, CancellationToken.None);
        }
#pragma warning disable CA1031 // A task that fails unexpectedly must not take the worker down; it is logged and retried after its lease.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            Log.TaskFailed(logger, failure, task.Kind, task.RunId, task.NodeId, task.Attempt);
        }
        finally
        {
            load.Leave();
            slots.Release();
            if (_backlog)
            {
                signal.Notify();
            }

            await heartbeat.CancelAsync();
            await renewing;
        }
    }

    /// <summary>False when the lease is gone; a database hiccup is logged and counts as still held (the next beat tries again).</summary>
    private async Task<bool> TryRenewAsync(RunTaskEntity task, EngineOptions engine, CancellationToken cancellationToken)
    {
        try
        {
            return await claimer.RenewAsync(task, _owner, engine.Lease, cancellationToken);
        }
        catch (Exception failure) when (IsDatabaseUnavailable(failure))
        {
            Log.RenewFailed(logger, failure, task.RunId, task.NodeId);
            return true;
        }
    }

    /// <summary>
    /// A failure of the database or of the connection to it (EF wraps a transient one, such as a dropped
    /// PostgreSQL connection, in an <see cref="InvalidOperationException"/>): the worker waits and tries again.
    /// </summary>
    private static bool IsDatabaseUnavailable(Exception failure) => failure
        is System.Data.Common.DbException
        or Microsoft.EntityFrameworkCore.DbUpdateException
        or TimeoutException
        or InvalidOperationException { InnerException: System.Data.Common.DbException or TimeoutException };

    private async Task RenewLeaseAsync(RunTaskEntity task, EngineOptions engine, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(engine.Lease / 3, cancellationToken);
                if (!await TryRenewAsync(task, engine, cancellationToken))
                {
                    Log.LeaseLost(logger, task.RunId, task.NodeId, task.Attempt);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The task finished: no more heartbeats needed.
        }
    }
}
