using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// Seeds the pharmacy demo once, on the first start in demo mode: the refill workflow and three sample
/// refill requests (one waits for the pharmacist, one for the prescriber, one is a controlled substance
/// filled too early). Later starts find the workflow and leave everything as people left it.
/// </summary>
internal sealed class PharmacyDemoSeeder(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowService workflows,
    RunStarter runs)
{
    private const string Actor = "system:demo-seed";
    private const string RefillBot = "refill-bot";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            if (await db.Set<WorkflowEntity>().AnyAsync(w => w.Name == PharmacyDemo.RefillWorkflowName, cancellationToken))
            {
                return;
            }
        }

        // The refill bot submits requests (as the pharmacy system would), so the people in the demo may decide them:
        // nobody approves a run they started themselves.
        Guid submitter;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            submitter = await db.Set<UserEntity>().Where(u => u.Name == RefillBot).Select(u => u.Id).SingleAsync(cancellationToken);
        }

        var refill = await workflows.CreateAsync(
            Actor,
            BuiltInUsers.AdminId,
            new CreateWorkflowRequest(PharmacyDemo.RefillWorkflowName, PharmacyDemo.RefillGraph(),
                "Refill request → prescriber approval (when no refills remain) → pre-verification → pharmacist decision → dispense.",
                "demo data seeded on first start"),
            cancellationToken);
        foreach (var request in PharmacyDemo.SampleRequests)
        {
            await runs.StartAsync(
                new StartRunRequest(refill.Workflow.Id, request.DeepClone(), "manual", submitter, $"user:{RefillBot}", $"demo:{request["rx"]}"),
                cancellationToken);
        }
    }
}
