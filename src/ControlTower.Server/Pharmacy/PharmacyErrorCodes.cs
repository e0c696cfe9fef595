using ControlTower.Core.Errors;

namespace ControlTower.Server.Pharmacy;

/// <summary>Stable codes of the pharmacy inventory (the demo's MCP server reports them in its error results).</summary>
internal static class PharmacyErrorCodes
{
    /// <summary>No drug with this code in the inventory.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string UnknownDrug = "pharmacy.unknown_drug";

    /// <summary>Less of the drug on hand than the prescription needs.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string InsufficientStock = "pharmacy.insufficient_stock";

    /// <summary>The idempotency key was used before with different arguments.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string IdempotencyKeyReused = "pharmacy.idempotency_key_reused";

    /// <summary>Another process holds the inventory file. Retryable.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string InventoryBusy = "pharmacy.inventory_busy";

    /// <summary>The inventory file does not parse.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string InventoryCorrupt = "pharmacy.inventory_corrupt";

    /// <summary>The demo cannot launch its pharmacy MCP server (the running process has no path to start it from).</summary>
    [ErrorCode(ErrorKind.Internal)]
    public const string LaunchUnavailable = "pharmacy.launch_unavailable";

    /// <summary>The tool arguments do not match the tool's input schema.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string ArgumentsInvalid = "pharmacy.arguments_invalid";
}
