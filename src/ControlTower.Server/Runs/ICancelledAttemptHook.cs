using ControlTower.Server.Platform.Persistence;

namespace ControlTower.Server.Runs;

/// <summary>
/// Lets a feature close what it keeps open for a node attempt the engine cancelled (an approval waiting on it),
/// writing into the transition's own unit of work so the cancellation and its consequences commit together.
/// The engine calls it only when a transition cancelled attempts, before it commits; it may save changes but must not commit the transaction.
/// </summary>
internal interface ICancelledAttemptHook
{
    Task OnCancelledAsync(ControlTowerDbContext db, IReadOnlyList<CancelledAttempt> attempts, DateTime now, CancellationToken cancellationToken);
}
