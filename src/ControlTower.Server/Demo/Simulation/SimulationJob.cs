using ControlTower.Core.Demo;
using ControlTower.Core.Trust;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>
/// One simulation's state, shared by the runner that writes it and the endpoints that read it (under a lock). Every
/// change bumps a pulse that progress streams wait on.
/// </summary>
internal sealed class SimulationJob(Guid id, SimulationRequest request, string scopeKey, TrustStage initialStage, DateTimeOffset startedAt) : IDisposable
{
    private const int RecentCases = 20;
    private readonly Lock _gate = new();
    private readonly List<SimulatedCaseView> _cases = [];
    private readonly List<SimulatedCaseRecord> _records = [];
    private readonly List<StagePoint> _stages = [new(0, initialStage.Name())];
    private readonly Dictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _status = SimulationStatus.Running;
    private int _human, _governedHuman, _approved, _rejected, _automatic, _restocks;
    private double _personSeconds;
    private DateTimeOffset? _finishedAt;
    private SimulationFigures? _figures;
    private string? _error;

    public Guid Id { get; } = id;

    public SimulationRequest Request { get; } = request;

    public TrustStage InitialStage { get; } = initialStage;

    /// <summary>Cancelled by <c>POST …/cancel</c> or the host stopping.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _status == SimulationStatus.Running;
            }
        }
    }

    /// <summary>Completes at the next change; take it before reading a snapshot so no change is missed.</summary>
    public Task NextChangeAsync()
    {
        lock (_gate)
        {
            return _changed.Task;
        }
    }

    public void AddRestocks(int count) => Change(() => _restocks += count);

    public void AddCase(SimulatedCaseView view, SimulatedCaseRecord record, double personSeconds) => Change(() =>
    {
        _cases.Add(view);
        _records.Add(record);
        _human += record.HumanDecisions;
        _governedHuman += record.GovernedHumanDecisions;
        _approved += view.Decisions.Count(d => d.Decision == "approve");
        _rejected += view.Decisions.Count(d => d.Decision == "reject");
        _automatic += record.DispensedAutomatically ? 1 : 0;
        _personSeconds += personSeconds;
        _outcomes[view.Outcome] = _outcomes.GetValueOrDefault(view.Outcome) + 1;
        if (_stages[^1].Stage != view.StageAfter)
        {
            _stages.Add(new StagePoint(view.Index, view.StageAfter));
        }
    });

    /// <summary>Ends the job (once): completed, cancelled or failed with the error; the figures are computed over the cases done.</summary>
    public void Finish(string status, DateTimeOffset at, string? error = null) => Change(() =>
    {
        if (_status != SimulationStatus.Running)
        {
            return;
        }

        (_status, _finishedAt, _error) = (status, at, error);
        _figures = SimulationFigures.Compute(_records, InitialStage);
    });

    public IReadOnlyList<SimulatedCaseView> Cases()
    {
        lock (_gate)
        {
            return [.. _cases];
        }
    }

    public SimulationView Snapshot(DateTimeOffset now)
    {
        lock (_gate)
        {
            var elapsed = ((_finishedAt ?? now) - startedAt).TotalSeconds;
            var counts = new SimulationCounts(_human, _governedHuman, _approved, _rejected, _automatic, _restocks, Math.Round(_personSeconds, 1),
                new Dictionary<string, int>(_outcomes, StringComparer.Ordinal));
            return new SimulationView(Id, _status, Request.Cases, _cases.Count, Request.Seed, Request.Mix, Request.Approver, Request.FailureBurst,
                scopeKey, _stages[^1].Stage, [.. _stages], counts, startedAt, _finishedAt, Math.Round(elapsed, 3),
                elapsed > 0 ? Math.Round(_cases.Count / elapsed, 2) : 0, _figures, [.. _cases.TakeLast(RecentCases)], _error);
        }
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public void Dispose() => Cancellation.Dispose();
}
