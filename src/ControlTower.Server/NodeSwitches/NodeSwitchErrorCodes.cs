using ControlTower.Core.Errors;

namespace ControlTower.Server.NodeSwitches;

/// <summary>Stable error codes of the per-node-type kill switches.</summary>
internal static class NodeSwitchErrorCodes
{
    /// <summary>The switch names a type the node catalog does not have.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string TypeNotFound = "node_type.not_found";

    /// <summary>Switching a type off needs a reason: it goes into the audit log.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ReasonRequired = "node_type.reason_required";

    /// <summary>A run was asked for through a trigger whose type is switched off; try again once it is back on.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string TypeDisabled = "node.type_disabled";
}
