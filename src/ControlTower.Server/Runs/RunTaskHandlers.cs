using System.Collections.Frozen;

namespace ControlTower.Server.Runs;

/// <summary>
/// Carries out durable tasks of kinds a feature owns (an approval falling due, a parked attempt rechecking
/// its switch). The task processor handles the engine's own kinds (execute, retry, timer, child) and hands
/// every other kind to the handler registered for it, as the executor registry does for node types.
/// </summary>
internal interface IRunTaskHandler
{
    IReadOnlyCollection<string> Kinds { get; }

    Task ProcessAsync(RunTaskEntity task, CancellationToken cancellationToken);
}

/// <summary>
/// Decides whether a node attempt may start now (node-type kill switches). The processor asks before it
/// runs a claimed attempt (a closed gate parks it as a task), the run-affine loop before it runs one inline.
/// </summary>
internal interface INodeAttemptGate
{
    /// <summary>Whether an attempt of this type may start now (a cached answer: cheap).</summary>
    ValueTask<bool> IsOpenAsync(string nodeType, CancellationToken cancellationToken);

    /// <summary>Parks a claimed execute task when its type may not run; false (nothing done) when it may.</summary>
    Task<bool> HoldIfClosedAsync(RunTaskEntity task, string nodeType, CancellationToken cancellationToken);
}

/// <summary>The registered <see cref="IRunTaskHandler"/>s by task kind (a kind claimed twice is a composition error).</summary>
internal sealed class RunTaskHandlers(IEnumerable<IRunTaskHandler> handlers)
{
    private readonly FrozenDictionary<string, IRunTaskHandler> _byKind = handlers
        .SelectMany(h => h.Kinds.Select(kind => (kind, h)))
        .ToFrozenDictionary(p => p.kind, p => p.h, StringComparer.Ordinal);

    public bool TryGet(string kind, out IRunTaskHandler handler) => _byKind.TryGetValue(kind, out handler!);
}
