namespace ControlTower.Server.NodeSwitches;

internal static class NodeSwitchErrorCodes
{
    /// <summary>The switch names a type the catalog does not have (404).</summary>
    public const string TypeNotFound = "node_type.not_found";

    /// <summary>Switching a type off needs a reason: it goes into the audit log (400).</summary>
    public const string ReasonRequired = "node_type.reason_required";

    /// <summary>A run was asked for through a trigger whose type is switched off (409: try again once it is back on).</summary>
    public const string TypeDisabled = "node.type_disabled";
}
