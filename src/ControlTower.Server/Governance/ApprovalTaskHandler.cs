using ControlTower.Server.Runs;

namespace ControlTower.Server.Governance;

/// <summary>Approval tasks (<see cref="RunTaskKinds.Approval"/>: a decision or an expiry to feed back) go to <see cref="ApprovalService"/>.</summary>
internal sealed class ApprovalTaskHandler(ApprovalService approvals) : IRunTaskHandler
{
    public IReadOnlyCollection<string> Kinds { get; } = [RunTaskKinds.Approval];

    public Task ProcessAsync(RunTaskEntity task, CancellationToken cancellationToken) => approvals.ProcessTaskAsync(task, cancellationToken);
}
