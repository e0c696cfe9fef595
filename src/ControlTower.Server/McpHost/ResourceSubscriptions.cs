using System.Collections.Concurrent;
using System.Text.Json;
using ControlTower.Core.Errors;
using ControlTower.Server.Governance;
using ControlTower.Server.Runs;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.McpHost;

/// <summary>
/// <c>resources/subscribe</c> for runs and approvals: each subscription watches what <c>resources/read</c> would
/// answer and sends <c>notifications/resources/updated</c> when it changes. It wakes on the run's events
/// (<see cref="RunEventNotifier"/>; an approval wakes on its run's) and also polls, because the worker or the
/// deciding request may be in another process. A watch ends with an unsubscribe, the end of the session, or when
/// the run ends or the approval is resolved (it changes no more). Subscriptions live in the session's process.
/// </summary>
internal sealed partial class ResourceSubscriptions(RunService runs, ApprovalService approvals, RunEventNotifier notifier, ILogger<ResourceSubscriptions> logger)
{
    public const int MaxPerSession = 100;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly string[] EndedRunStatuses = ["completed", "failed", "cancelled"];
    private readonly ConcurrentDictionary<McpServer, ConcurrentDictionary<string, CancellationTokenSource>> _sessions = new(ReferenceEqualityComparer.Instance);

    /// <summary>Subscribes <paramref name="server"/>'s session to <paramref name="uri"/> (a run or approval the caller may read); subscribing twice is one subscription.</summary>
    public async Task SubscribeAsync(McpServer server, string uri, CancellationToken cancellationToken)
    {
        var session = _sessions.GetOrAdd(server, _ => new ConcurrentDictionary<string, CancellationTokenSource>(StringComparer.Ordinal));
        if (session.ContainsKey(uri))
        {
            return;
        }

        if (session.Count >= MaxPerSession)
        {
            throw new McpProtocolException($"A session may follow at most {MaxPerSession} resources; unsubscribe from one first.", McpErrorCode.InvalidParams);
        }

        var current = await ReadAsync(uri, cancellationToken);
        var stop = new CancellationTokenSource();
        if (!session.TryAdd(uri, stop))
        {
            stop.Dispose();
            return;
        }

        _ = Task.Run(() => WatchAsync(server, uri, current, stop.Token), CancellationToken.None);
    }

    public void Unsubscribe(McpServer server, string uri)
    {
        if (_sessions.TryGetValue(server, out var session) && session.TryRemove(uri, out var stop))
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    /// <summary>The session ended: every watch it had stops.</summary>
    public void EndSession(McpServer server)
    {
        if (_sessions.TryRemove(server, out var session))
        {
            foreach (var stop in session.Values)
            {
                stop.Cancel();
                stop.Dispose();
            }
        }
    }

    private async Task WatchAsync(McpServer server, string uri, Snapshot last, CancellationToken cancellationToken)
    {
        try
        {
            while (!last.Final)
            {
                var wake = notifier.NextAsync(last.RunId);
                await Task.WhenAny(wake, Task.Delay(PollInterval, cancellationToken)).WaitAsync(cancellationToken);
                var now = await ReadAsync(uri, cancellationToken);
                if (now.Json != last.Json)
                {
                    await server.SendNotificationAsync(
                        NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }, cancellationToken: cancellationToken);
                }

                last = now;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (ControlTowerException gone) when (gone.Kind is ErrorKind.NotFound)
        {
            Log.WatchedResourceGone(logger, uri);
        }
        catch (ObjectDisposedException)
        {
            Log.SessionClosed(logger, uri);
        }

        Forget(server, uri);
    }

    private void Forget(McpServer server, string uri)
    {
        if (_sessions.TryGetValue(server, out var session) && session.TryRemove(uri, out var stop))
        {
            stop.Dispose();
        }
    }

    /// <summary>What <c>resources/read</c> answers for <paramref name="uri"/> now, the run to wake on, and whether it can still change.</summary>
    private async Task<Snapshot> ReadAsync(string uri, CancellationToken cancellationToken)
    {
        if (WaitingRuns.RunIdOf(uri) is { } runId)
        {
            var run = await runs.GetAsync(runId, cancellationToken);
            return new Snapshot(JsonSerializer.Serialize(run, WaitingRuns.Json), runId, EndedRunStatuses.Contains(run.Status));
        }

        if (PendingApprovals.ApprovalIdOf(uri) is { } approvalId)
        {
            var approval = await approvals.GetAsync(approvalId, cancellationToken);
            return new Snapshot(JsonSerializer.Serialize(approval, WaitingRuns.Json), approval.RunId, approval.Status != ApprovalService.Pending);
        }

        throw new McpProtocolException($"Resource not found: '{uri}'.", McpErrorCode.ResourceNotFound);
    }

    private sealed record Snapshot(string Json, Guid RunId, bool Final);
}
