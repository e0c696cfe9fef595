namespace ControlTower.Server.Pharmacy;

/// <summary>Stable codes of the pharmacy inventory (the demo's MCP server reports them in its error results).</summary>
internal static class PharmacyErrorCodes
{
    public const string UnknownDrug = "pharmacy.unknown_drug";
    public const string InsufficientStock = "pharmacy.insufficient_stock";
    public const string IdempotencyKeyReused = "pharmacy.idempotency_key_reused";
    public const string InventoryBusy = "pharmacy.inventory_busy";
    public const string InventoryCorrupt = "pharmacy.inventory_corrupt";
    public const string LaunchUnavailable = "pharmacy.launch_unavailable";
    public const string ArgumentsInvalid = "pharmacy.arguments_invalid";
}
