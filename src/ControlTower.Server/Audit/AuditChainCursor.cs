using ControlTower.Core.Audit;

namespace ControlTower.Server.Audit;

/// <summary>
/// The audit chain's head as the group commit's open transaction left it, so its units chain their entries in memory instead
/// of each reading the head back. Read inside the write transaction by the first unit that appends (which, on PostgreSQL and
/// MySQL, also takes the chain's lock; the transaction then holds it until it ends), then carried from unit to unit. Only the
/// group commit sets one (<see cref="Runs.RunCommitQueue"/>), and forgets the head whenever a unit is rolled back to its
/// savepoint (that unit's entries are gone), so the next unit reads the head again.
/// Units take no savepoints of their own: one that rolled back part of its work after an append would leave the head
/// pointing at an entry that is gone.
/// </summary>
internal sealed class AuditChainCursor
{
    /// <summary>The last entry a unit of this transaction saved; null: not known, read it.</summary>
    public AuditChainHead? Head { get; set; }
}
