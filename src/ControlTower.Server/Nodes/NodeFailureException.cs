using ControlTower.Core.Errors;

namespace ControlTower.Server.Nodes;

/// <summary>An expected failure of one attempt; <see cref="NodeFailures.Guard"/> turns it into <see cref="NodeResult.Failed"/>.</summary>
internal sealed class NodeFailureException(string code, string message, bool retryable = false)
    : ControlTowerException(retryable ? ErrorKind.Unavailable : ErrorKind.Validation, code, message)
{
    public bool Retryable { get; } = retryable;

    public static NodeFailureException ConfigInvalid(string message) => new(NodeErrorCodes.ConfigInvalid, message);
}
