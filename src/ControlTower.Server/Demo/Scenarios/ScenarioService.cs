using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Identity;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Demo.Scenarios;

internal sealed record ScenarioView(string Id, string Title, string Description, JsonNode Input, ScenarioExpectation Expected)
{
    public static ScenarioView Of(DemoScenario scenario) => new(scenario.Id, scenario.Title, scenario.Description, scenario.Input.DeepClone(), scenario.Expected);
}

internal sealed record ScenarioStarted(string ScenarioId, Guid RunId, Guid WorkflowId, bool Created, ScenarioExpectation Expected);

/// <summary>
/// Starts a scenario as a real run of the seeded refill workflow. The run is submitted by the refill bot (as the
/// seeded sample refills are), so the person who pressed the button may verify its dispense: nobody approves a run
/// they started. The person is the audit actor of <c>run.started</c>.
/// </summary>
internal sealed class ScenarioService(IDbContextFactory<ControlTowerDbContext> contexts, RunStarter runs, IOptions<PlatformOptions> platform)
{
    public const string Submitter = "refill-bot";

    public async Task<ScenarioStarted> StartAsync(string id, string actor, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (platform.Value.Mode != RunMode.Demo)
        {
            throw new ControlTowerException(ErrorKind.Conflict, ScenarioErrorCodes.DemoModeOnly, "Scenarios start runs only in demo mode (ENVIRONMENT=demo).");
        }

        var scenario = DemoScenarios.Find(id)
            ?? throw new ControlTowerException(ErrorKind.NotFound, ScenarioErrorCodes.NotFound, $"No scenario '{id}'. Scenarios: {string.Join(", ", DemoScenarios.All.Select(s => s.Id))}.");
        var (workflowId, submitter) = await RefillWorkflowAsync(cancellationToken);
        var started = await runs.StartAsync(
            new StartRunRequest(workflowId, scenario.Input.DeepClone(), "manual", submitter, actor, idempotencyKey is null ? null : $"scenario:{scenario.Id}:{idempotencyKey}"),
            cancellationToken);
        return new ScenarioStarted(scenario.Id, started.Run.Id, workflowId, started.Created, scenario.Expected);
    }

    private async Task<(Guid WorkflowId, Guid Submitter)> RefillWorkflowAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await db.Set<WorkflowEntity>().Where(w => w.Name == PharmacyDemo.RefillWorkflowName).OrderBy(w => w.CreatedAt).Select(w => (Guid?)w.Id).FirstOrDefaultAsync(cancellationToken);
        var submitter = await db.Set<UserEntity>().Where(u => u.Name == Submitter).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(cancellationToken);
        return workflow is { } w && submitter is { } s
            ? (w, s)
            : throw new ControlTowerException(ErrorKind.Conflict, ScenarioErrorCodes.WorkflowMissing,
                $"The demo's workflow '{PharmacyDemo.RefillWorkflowName}' or its submitter '{Submitter}' is missing (deleted or renamed).");
    }
}
