using System.Text.Json.Nodes;
using ControlTower.Server.Governance;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Rules;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// Seeds the pharmacy demo once, on the first start in demo mode: the state file
/// (<c>DATA_DIR/pharmacy/inventory.json</c>: stock and back office of <see cref="PharmacySeed.DefaultSeed"/>), the
/// pharmacy MCP server (stdio id <c>pharmacy</c>, started from this very binary), the dispense rule set, the gates
/// (dispense authorized, so its trust stage decides; restock revoked), the refill workflow with four sample refills
/// (RX-1001 and RX-1004 wait for the pharmacist's verification, RX-1002 for the prescriber's renewal and then the
/// pharmacist, RX-1003 is a controlled substance), and the stock delivery workflow with one delivery waiting for a
/// pharmacist. The refill workflow is the marker: later starts find it and leave everything as people left it. The
/// steps before it each skip what exists, so a start that failed half-way seeds the rest. One thing is kept current on
/// every demo start: while the <c>pharmacy</c> server still runs <c>pharmacy-mcp</c>, its command points at the binary
/// that is running now (a rebuilt or moved install would otherwise start a stale or missing one).
/// </summary>
internal sealed class PharmacyDemoSeeder(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowService workflows,
    RunStarter runs,
    McpServerStore servers,
    RuleSetService ruleSets,
    GateService gates,
    IOptions<PlatformOptions> platform,
    TimeProvider time)
{
    private const string Actor = "system:demo-seed";
    private const string RefillBot = "refill-bot";
    private const string Technician = "tess.technician";
    private const string Reason = "demo data seeded on first start";

    /// <summary>Where the demo keeps the pharmacy's stock.</summary>
    public static string InventoryFile(PlatformOptions options) => Path.Combine(options.DataDirectoryFullPath, "pharmacy", "inventory.json");

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await RepointServerAsync(cancellationToken);
        if (await WorkflowExistsAsync(PharmacyDemo.RefillWorkflowName, cancellationToken))
        {
            return;
        }

        await SeedGovernanceAsync(cancellationToken);
        if (!await WorkflowExistsAsync(PharmacyDemo.DeliveryWorkflowName, cancellationToken))
        {
            await SeedWorkflowAsync(PharmacyDemo.DeliveryWorkflowName, PharmacyDemo.DeliveryGraph(),
                "A technician books a delivery onto the shelf; the restock is a governed action whose gate is revoked, so a pharmacist approves it.",
                Technician, [PharmacyDemo.SampleDelivery], "delivery", cancellationToken);
        }

        // The refill bot submits requests (as the pharmacy system would), so the people in the demo may decide them:
        // nobody approves a run they started themselves. The refill workflow goes last: it marks the seed as done.
        await SeedWorkflowAsync(PharmacyDemo.RefillWorkflowName, PharmacyDemo.RefillGraph(),
            "Refill ordered → pending access (eligibility, prescriber renewal, interactions, claim, pre-verification) → access granted → " +
                "governed dispense, verified by the pharmacist unless the trust stage allows it alone (rollback: restock) → completed, or failed with a reason.",
            RefillBot, PharmacyDemo.SampleRequests, "rx", cancellationToken);
    }

    /// <summary>The inventory file, its MCP server, the dispense rule set and the two gates; each skipped when present.</summary>
    private async Task SeedGovernanceAsync(CancellationToken cancellationToken)
    {
        var inventory = InventoryFile(platform.Value);
        var (stock, backOffice) = PharmacySeed.Create(PharmacySeed.DefaultSeed);
        await new PharmacyInventory(inventory, time).SeedAsync(stock, backOffice, cancellationToken);
        await RegisterServerAsync(inventory, cancellationToken);
        if (!(await ruleSets.ListAsync(cancellationToken)).Any(r => r.Id == PharmacyDemo.DispenseRuleSetId))
        {
            await ruleSets.CreateAsync(new CreateRuleSetBody(PharmacyDemo.DispenseRuleSetId,
                "Second checks before a governed dispense: controlled substances and large quantities.", PharmacyDemo.DispenseRules(), Reason), Actor, cancellationToken);
        }

        await gates.SetAsync(new GateBody(null, "governed.action", PharmacyDemo.DispenseActionType, Authorized: true,
            "Dispensing may earn autonomy: the dispense scope's trust stage decides whether the pharmacist verifies each refill " +
                "(rules still send controlled substances, interactions and large quantities to a person)."), Actor, cancellationToken);
        await gates.SetAsync(new GateBody(null, "governed.action", PharmacyDemo.RestockActionType, Authorized: false,
            "Restocking outside a rollback changes counted stock: a pharmacist approves each one."), Actor, cancellationToken);
    }

    /// <summary>Creates the workflow (owned by the admin) and starts one run per sample, as <paramref name="submitterName"/>.</summary>
    private async Task SeedWorkflowAsync(string name, JsonObject graph, string description,
        string submitterName, IEnumerable<JsonObject> samples, string sampleKey, CancellationToken cancellationToken)
    {
        Guid submitter;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            submitter = await db.Set<UserEntity>().Where(u => u.Name == submitterName).Select(u => u.Id).SingleAsync(cancellationToken);
        }

        var workflow = await workflows.CreateAsync(Actor, BuiltInUsers.AdminId, new CreateWorkflowRequest(name, graph, description, Reason), cancellationToken);
        foreach (var sample in samples)
        {
            await runs.StartAsync(
                new StartRunRequest(workflow.Workflow.Id, sample.DeepClone(), "manual", submitter, $"user:{submitterName}", $"demo:{sample[sampleKey]}"),
                cancellationToken);
        }
    }

    private async Task<bool> WorkflowExistsAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<WorkflowEntity>().AnyAsync(w => w.Name == name, cancellationToken);
    }

    /// <summary>Re-points the demo's own server at this binary when it was seeded by another one; anything else is left alone.</summary>
    private async Task RepointServerAsync(CancellationToken cancellationToken)
    {
        var server = (await servers.ListAsync(cancellationToken)).FirstOrDefault(s => s.Id == PharmacyMcpCommand.ServerId);
        var at = server is { Transport: "stdio" } ? server.Args.ToList().IndexOf(PharmacyMcpCommand.Name) : -1;
        if (server is null || at < 0 || at + 2 >= server.Args.Count || server.Args[at + 1] != "--data")
        {
            return;
        }

        var current = PharmacyMcpCommand.Launch(server.Args[at + 2]);
        if (current.Command == server.Command && server.Args.Take(at + 3).SequenceEqual(current.Arguments))
        {
            return;
        }

        await servers.UpdateAsync(
            new McpCaller(BuiltInUsers.AdminId, Roles.Admin, Actor),
            server.Id,
            new McpServerRequest(server.Id, server.Name, server.Transport, current.Command, [.. current.Arguments, .. server.Args.Skip(at + 3)], server.WorkingDirectory,
                server.EnvNames.ToDictionary(n => n, _ => (string?)null), null, null, (int)server.Limits.CallTimeoutMs, server.Limits.MaxConcurrentCalls,
                server.Limits.RetryIdempotentTools, server.CredentialType, server.Enabled),
            cancellationToken);
    }

    private async Task RegisterServerAsync(string inventory, CancellationToken cancellationToken)
    {
        if ((await servers.ListAsync(cancellationToken)).Any(s => s.Id == PharmacyMcpCommand.ServerId))
        {
            return;
        }

        var launch = PharmacyMcpCommand.Launch(inventory);
        await servers.CreateAsync(
            new McpCaller(BuiltInUsers.AdminId, Roles.Admin, Actor),
            new McpServerRequest(launch.Id, launch.Name, McpTransportNames.ToName(launch.Transport), launch.Command, launch.Arguments),
            cancellationToken);
    }
}
