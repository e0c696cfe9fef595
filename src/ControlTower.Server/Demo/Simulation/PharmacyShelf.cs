using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Mcp;
using ControlTower.Server.Pharmacy;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>
/// Keeps the real pharmacy's shelf in the state a case needs, through the pharmacy MCP server's own tools
/// (<c>get_stock</c>, <c>restock</c>, <c>dispense</c>, each with an idempotency key of the job and case): before an ordinary
/// case, a delivery when the drug runs low (hundreds of cases would otherwise empty it); before an injected failure, the
/// short drug's remaining stock is written off, so the governed dispense meets real short stock.
/// </summary>
internal sealed class PharmacyShelf(McpToolInvoker invoker)
{
    /// <summary>A delivery tops the drug up to at least this many units.</summary>
    private const int DeliveryTarget = 2000;

    /// <summary>Left for the case still running when the next one is readied (no case asks for more than 90).</summary>
    private const int InFlightMargin = 200;

    /// <summary>Prepares the shelf for <paramref name="refill"/>; returns how many restocks it booked (0 or 1).</summary>
    public async Task<int> PrepareAsync(Guid jobId, RefillCase refill, CancellationToken cancellationToken)
    {
        var onHand = await OnHandAsync(refill.Facts.Drug, cancellationToken);
        if (refill.InjectedFailure)
        {
            if (onHand >= refill.Facts.Quantity)
            {
                await CallAsync("dispense", new JsonObject { ["rx"] = $"WRITE-OFF-{refill.Index}", ["drug"] = refill.Facts.Drug, ["quantity"] = onHand },
                    $"sim:{jobId}:{refill.Index}:write-off", cancellationToken);
            }

            return 0;
        }

        if (onHand >= refill.Facts.Quantity + InFlightMargin)
        {
            return 0;
        }

        await CallAsync("restock", new JsonObject { ["drug"] = refill.Facts.Drug, ["quantity"] = DeliveryTarget - onHand, ["reason"] = "simulated delivery" },
            $"sim:{jobId}:{refill.Index}:restock", cancellationToken);
        return 1;
    }

    private async Task<int> OnHandAsync(string drug, CancellationToken cancellationToken)
    {
        var stock = await CallAsync("get_stock", new JsonObject { ["drug"] = drug }, null, cancellationToken);
        return stock["on_hand"] is JsonValue v && v.TryGetValue<int>(out var n) ? n
            : throw new ControlTowerException(ErrorKind.Unavailable, DemoErrorCodes.ShelfUnavailable, $"get_stock answered without on_hand for {drug}.");
    }

    private async Task<JsonNode> CallAsync(string tool, JsonObject arguments, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var result = await invoker.CallAsync(PharmacyMcpCommand.ServerId, tool, arguments, McpCallContext.None with { IdempotencyKey = idempotencyKey }, cancellationToken);
        if (result.IsError || Governance.GovernedActions.State(result.Output) is not { } state)
        {
            throw new ControlTowerException(ErrorKind.Unavailable, DemoErrorCodes.ShelfUnavailable, $"pharmacy/{tool} failed while preparing the shelf: {result.ErrorMessage}");
        }

        return state;
    }
}
