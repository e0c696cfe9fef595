using ControlTower.Server.Runs;

namespace ControlTower.Server.NodeSwitches;

/// <summary>Parked attempts (<see cref="RunTaskKinds.Parked"/>) recheck their switch through <see cref="NodeTypeParking"/>.</summary>
internal sealed class ParkedTaskHandler(NodeTypeParking parking) : IRunTaskHandler
{
    public IReadOnlyCollection<string> Kinds { get; } = [RunTaskKinds.Parked];

    public Task ProcessAsync(RunTaskEntity task, CancellationToken cancellationToken) => parking.ProcessAsync(task, cancellationToken);
}

/// <summary>The engine's attempt gate: a switched-off node type starts no attempt; a claimed one is parked.</summary>
internal sealed class NodeSwitchGate(NodeTypeSwitches switches, NodeTypeParking parking) : INodeAttemptGate
{
    public ValueTask<bool> IsOpenAsync(string nodeType, CancellationToken cancellationToken) => switches.IsEnabledAsync(nodeType, cancellationToken);

    public Task<bool> HoldIfClosedAsync(RunTaskEntity task, string nodeType, CancellationToken cancellationToken) =>
        parking.ParkIfDisabledAsync(task, nodeType, cancellationToken);
}
