using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ControlTower.Server.Runs;

/// <summary>Wakes idle workers when a transaction has committed work that is due now.</summary>
internal sealed class RunWorkSignal
{
    private readonly Channel<bool> _pulses = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _pulses.Writer.TryWrite(true);

    /// <summary>Returns when notified or after <paramref name="timeout"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _pulses.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed without a pulse: look for due work anyway.
        }
    }
}

/// <summary>
/// Tells event-stream readers that a run has new events, and hands a finished run, as committed, to whoever
/// waits for its end (a webhook waiting for its reply), in this process; other processes' commits arrive as
/// <see cref="Publish"/> only (LISTEN/NOTIFY on PostgreSQL), so end waiters also poll.
/// </summary>
internal sealed class RunEventNotifier
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _waiters = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<RunEntity>> _endWaiters = new();

    /// <summary>Take this before reading the stored events, then await it: a publish in between is not missed.</summary>
    public Task NextAsync(Guid runId) =>
        _waiters.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Publish(Guid runId)
    {
        if (_waiters.TryRemove(runId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Completes with the run's row as committed when it finishes here. Take it before checking whether the run already ended.</summary>
    public Task<RunEntity> FinishedAsync(Guid runId) =>
        _endWaiters.GetOrAdd(runId, _ => new TaskCompletionSource<RunEntity>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>A waiter that gave up (timeout, request aborted) lets go, so a run that never ends here holds nothing.</summary>
    public void StopWaitingForEnd(Guid runId, Task<RunEntity> waiter) =>
        _endWaiters.TryRemove(new KeyValuePair<Guid, TaskCompletionSource<RunEntity>>(runId, GetSource(runId, waiter)));

    /// <summary>Called after the commit that finished <paramref name="run"/>; the row is not changed afterwards.</summary>
    public void PublishFinished(RunEntity run)
    {
        if (_endWaiters.TryRemove(run.Id, out var waiter))
        {
            waiter.TrySetResult(run);
        }
    }

    private TaskCompletionSource<RunEntity> GetSource(Guid runId, Task<RunEntity> waiter) =>
        _endWaiters.TryGetValue(runId, out var source) && source.Task == waiter ? source : new TaskCompletionSource<RunEntity>();
}

/// <summary>The node attempts running in this process, so a committed cancellation can stop them.</summary>
internal sealed class InFlightNodes
{
    // Every attempt whose running state is committed registers here (an inline attempt in a stretch does not: no committed
    // cancellation can name it); more lock stripes than the default (one per core) keep concurrent runs apart.
    private readonly ConcurrentDictionary<(Guid, string, int), CancellationTokenSource> _running = new(concurrencyLevel: 64, capacity: 257);

    public CancellationTokenSource Register(Guid runId, string nodeId, int attempt, CancellationToken linkedTo)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(linkedTo);
        _running[(runId, nodeId, attempt)] = source;
        return source;
    }

    public void Unregister(Guid runId, string nodeId, int attempt) => _running.TryRemove((runId, nodeId, attempt), out _);

    public bool WasCancelled(Guid runId, string nodeId, int attempt) =>
        _running.TryGetValue((runId, nodeId, attempt), out var source) && source.IsCancellationRequested;

    public void Cancel(IEnumerable<CancelledAttempt> attempts)
    {
        foreach (var attempt in attempts)
        {
            if (_running.TryGetValue((attempt.RunId, attempt.NodeId, attempt.Attempt), out var source))
            {
                source.Cancel();
            }
        }
    }
}
