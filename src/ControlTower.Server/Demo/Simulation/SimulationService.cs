using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Demo;
using ControlTower.Core.Errors;
using ControlTower.Core.Trust;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Trust;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>
/// Runs simulations, one at a time, in the background of this process: generates the cases (<see cref="RefillCases"/>),
/// readies the shelf for each (<see cref="PharmacyShelf"/>) and drives it through the engine (<see cref="CaseDriver"/>),
/// recording progress on the job. A dispense scope that is pinned (the seed pins it) starts the simulation at
/// <c>observe</c> and unpinned, both audited, so it earns its stage from the simulated evidence. Start and end are audited
/// (<c>demo.simulation_started</c>, <c>demo.simulation_finished</c> with the figures). Cancelling stops before the next case
/// and cancels the case in progress (see <see cref="CaseDriver"/>): every case is then completed or cancelled.
/// </summary>
internal sealed partial class SimulationService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    CaseDriver driver,
    PharmacyShelf shelf,
    DemoActors actors,
    TrustService trust,
    AuditLog audit,
    DemoMode demo,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<SimulationService> logger)
{
    private const int KeptJobs = 10;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(50);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<SimulationJob> _jobs = [];

    /// <summary>Whether a simulation is running now (reset waits for none).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Any(j => j.IsRunning);
            }
        }
    }

    public async Task<SimulationView> StartAsync(SimulationBody? body, string actor, CancellationToken cancellationToken)
    {
        demo.Require();
        var request = SimulationRequest.From(body);
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                throw new ControlTowerException(ErrorKind.Conflict, DemoErrorCodes.SimulationRunning, "A simulation is already running; cancel it or wait for it to end.");
            }

            var id = Guid.NewGuid();
            var (workflowId, pinned, initial) = await FindAsync(cancellationToken);
            var job = new SimulationJob(id, request, RefillCases.DispenseScope.Key, initial, time.GetUtcNow());
            await AuditAsync(actor, "demo.simulation_started", job, $"simulating {request.Cases} refill cases (seed {request.Seed})",
                JsonSerializer.SerializeToNode(request, Json)!.AsObject(), cancellationToken);
            lock (_gate)
            {
                _jobs.Add(job);
                while (_jobs.Count > KeptJobs && _jobs.FindIndex(j => !j.IsRunning) is var oldest and >= 0)
                {
                    _jobs.RemoveAt(oldest);
                }

            }

            _ = Task.Run(() => RunAsync(job, workflowId, pinned, actor), CancellationToken.None);
            return job.Snapshot(time.GetUtcNow());
        }
        finally
        {
            _starting.Release();
        }
    }

    public SimulationJob Get(Guid id)
    {
        lock (_gate)
        {
            return _jobs.FirstOrDefault(j => j.Id == id)
                ?? throw new ControlTowerException(ErrorKind.NotFound, DemoErrorCodes.SimulationNotFound, $"No simulation {id} in this process.");
        }
    }

    /// <summary>The jobs this process remembers, newest first.</summary>
    public IReadOnlyList<SimulationView> List()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return [.. _jobs.AsEnumerable().Reverse().Select(j => j.Snapshot(now))];
        }
    }

    /// <summary>Asks the job to stop; it ends <c>cancelled</c> once the case in progress is cancelled (a finished job is left as it is).</summary>
    public SimulationView Cancel(Guid id)
    {
        var job = Get(id);
        if (job.IsRunning)
        {
            job.Cancellation.Cancel();
        }

        return job.Snapshot(time.GetUtcNow());
    }

    /// <summary>The refill workflow, whether the dispense scope is pinned, and the stage the simulation starts from.</summary>
    private async Task<(Guid WorkflowId, bool Pinned, TrustStage Initial)> FindAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflowId = await db.Set<WorkflowEntity>().AsNoTracking().Where(w => w.Name == RefillCases.WorkflowName)
            .OrderByDescending(w => w.CreatedAt).Select(w => w.Id).FirstOrDefaultAsync(cancellationToken);
        if (workflowId == Guid.Empty)
        {
            throw new ControlTowerException(ErrorKind.Conflict, DemoErrorCodes.WorkflowMissing, $"The demo workflow '{RefillCases.WorkflowName}' is not there: reset the demo to seed it again.");
        }

        var scope = await db.Set<TrustScopeEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.ScopeKey == RefillCases.DispenseScope.Key, cancellationToken);
        var pinned = scope?.PinStage is not null;
        var initial = !pinned && scope is not null && TrustStages.TryParse(scope.Stage, out var current) ? current : TrustStage.Observe;
        return (workflowId, pinned, initial);
    }

    /// <summary>
    /// Waits for the refill runs in flight (the seed's samples, just after a first start or a reset) to settle, then starts
    /// a pinned dispense scope at <c>observe</c> and unpins it, and names who submits and decides.
    /// </summary>
    private async Task<CaseSetting> PrepareAsync(SimulationJob job, Guid workflowId, bool pinned, string actor, CancellationToken cancellationToken)
    {
        await SettleAsync(job.Id, workflowId, cancellationToken);
        if (pinned)
        {
            var key = RefillCases.DispenseScope.Key;
            const string Reason = "demo simulation: the dispense scope starts at observe and earns its stage from the simulated cases";
            await trust.PinAsync(key, new PinBody(TrustStage.Observe.Name(), null, Reason), actor, cancellationToken);
            await trust.PinAsync(key, new PinBody(null, null, Reason), actor, cancellationToken);
        }

        var submitter = await actors.EnsureAsync(DemoActors.Submitter, Roles.Service, cancellationToken);
        return new CaseSetting(job.Id, workflowId, submitter.Id,
            await actors.PrincipalAsync(DemoActors.Pharmacist, cancellationToken), await actors.PrincipalAsync(DemoActors.Prescriber, cancellationToken),
            job.Request.Approver, job.Request.Seed);
    }

    /// <summary>
    /// A refill run still moving writes proposals to the dispense scope and evaluates it, so it would interleave with the
    /// simulated evidence at whatever point timing put it: same seed, different stages. Waits (bounded) until none moves.
    /// </summary>
    private async Task SettleAsync(Guid jobId, Guid workflowId, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + SettleTimeout;
        while (true)
        {
            int moving;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                moving = await db.Set<RunEntity>().AsNoTracking().CountAsync(r => r.WorkflowId == workflowId && r.Status == "running", cancellationToken);
            }

            if (moving == 0)
            {
                return;
            }

            if (time.GetUtcNow() > deadline)
            {
                Log.StillMoving(logger, jobId, moving);
                return;
            }

            await Task.Delay(SettlePoll, time, cancellationToken);
        }
    }

    private async Task RunAsync(SimulationJob job, Guid workflowId, bool pinned, string actor)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(job.Cancellation.Token, lifetime.ApplicationStopping);
        var token = stop.Token;
        var (status, error) = (SimulationStatus.Completed, (string?)null);
        try
        {
            var setting = await PrepareAsync(job, workflowId, pinned, actor, token);
            // One case at a time: a refill's first approval is its governed dispense, which reads and evaluates the scope's
            // trust, so a case started ahead would see the previous case's evidence or not depending on timing. In order,
            // the evidence arrives in case order: same seed, same decisions, same stages.
            var cases = RefillCases.Generate(job.Request.Cases, job.Request.Mix, job.Request.Seed, job.Request.FailureBurst);
            foreach (var refill in cases)
            {
                token.ThrowIfCancellationRequested();
                var runId = await PrepareAndStartAsync(job, setting, refill, token);
                Record(job, refill, await driver.DriveAsync(setting, refill, runId, token));
                token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            status = SimulationStatus.Cancelled;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A background job has no caller to throw to: the failure is the job's end state, logged and audited.
            Log.Failed(logger, job.Id, ex);
            (status, error) = (SimulationStatus.Failed, ex is ControlTowerException typed ? $"{typed.Code}: {typed.Message}" : ex.Message);
        }

        job.Finish(status, time.GetUtcNow(), error);
        var view = job.Snapshot(time.GetUtcNow());
        Log.Finished(logger, job.Id, status, view.Done, view.ElapsedSeconds);
        await AuditAsync(CaseDriver.Actor, "demo.simulation_finished", job, $"{status} after {view.Done} of {view.Cases} cases; the dispense scope is at {view.Stage}",
            new JsonObject { ["status"] = status, ["done"] = view.Done, ["error"] = error, ["figures"] = JsonSerializer.SerializeToNode(view.Figures, Json) }, CancellationToken.None);
    }

    /// <summary>Readies the shelf for the case and starts its run.</summary>
    private async Task<Guid> PrepareAndStartAsync(SimulationJob job, CaseSetting setting, RefillCase refill, CancellationToken cancellationToken)
    {
        job.AddRestocks(await shelf.PrepareAsync(job.Id, refill, cancellationToken));
        return await driver.StartAsync(setting, refill);
    }

    private static void Record(SimulationJob job, RefillCase refill, CaseResult result)
    {
        var governed = result.Decisions.Count(d => d.NodeId == RefillCases.DispenseNodeId);
        var view = new SimulatedCaseView(refill.Index, refill.Kind, refill.Input["rx"]!.GetValue<string>(), result.RunId, result.Outcome, refill.InjectedFailure,
            result.DispensedAutomatically, result.StageAfter.Name(), result.Decisions);
        var record = new SimulatedCaseRecord(refill.Index, result.Decisions.Count, governed, result.DispensedAutomatically, refill.InjectedFailure, result.StageAfter);
        job.AddCase(view, record, result.Decisions.Sum(d => d.LatencySeconds));
    }

    private async Task AuditAsync(string actor, string action, SimulationJob job, string reason, JsonObject data, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        data["simulationId"] = job.Id.ToString();
        await audit.CommitAsync(db, new AuditEvent(actor, action, $"simulation:{job.Id}", reason, data), cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9502, Level = LogLevel.Information, Message = "Simulation {SimulationId} ended {Status} after {Done} cases in {Seconds} s")]
        public static partial void Finished(ILogger logger, Guid simulationId, string status, int done, double seconds);

        [LoggerMessage(EventId = 9504, Level = LogLevel.Warning,
            Message = "Simulation {SimulationId} starts with {Moving} refill runs still moving after a minute: their evidence may interleave with the simulated cases")]
        public static partial void StillMoving(ILogger logger, Guid simulationId, int moving);

        [LoggerMessage(EventId = 9503, Level = LogLevel.Error, Message = "Simulation {SimulationId} failed")]
        public static partial void Failed(ILogger logger, Guid simulationId, Exception exception);
    }
}
