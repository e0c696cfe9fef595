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

    /// <summary>No patient with this id in the back office.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string UnknownPatient = "pharmacy.unknown_patient";

    /// <summary>No prescription with this number in the back office.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string UnknownPrescription = "pharmacy.unknown_prescription";

    /// <summary>No prescriber renewal request with this id.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string UnknownRequest = "pharmacy.unknown_request";

    /// <summary>The state file holds stock only (written before the back office existed): no patients or prescriptions to ask about.</summary>
    [ErrorCode(ErrorSurface.ToolResult)]
    public const string BackOfficeMissing = "pharmacy.back_office_missing";
}
