using ControlTower.Core.Errors;

namespace ControlTower.Server.Demo;

/// <summary>Stable error codes of the demo's simulation, auto-step and reset.</summary>
internal static class DemoErrorCodes
{
    /// <summary>The request only makes sense in demo mode (<c>ENVIRONMENT=demo</c>): it drives or wipes demo data.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string DemoModeRequired = "demo.mode_required";

    /// <summary>A simulation request is malformed: case count out of range, unknown case kind, bad weight, approver or failure burst.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string SimulationInvalid = "demo.simulation_invalid";

    /// <summary>A simulation is already running (one at a time); reset also waits for it to end.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string SimulationRunning = "demo.simulation_running";

    /// <summary>No simulation with this id in this process (jobs live in memory; the newest ones are kept).</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string SimulationNotFound = "demo.simulation_not_found";

    /// <summary>The demo's refill workflow is not there (the demo was not seeded, or it was deleted).</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string WorkflowMissing = "demo.workflow_missing";

    /// <summary>No run with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string CaseNotFound = "demo.case_not_found";

    /// <summary>The run waits for no approval, so there is no step a prediction could take.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string CaseNotWaiting = "demo.case_not_waiting";

    /// <summary>The run is not a refill request (its input has no prescription and drug), so no prediction applies to it.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NotARefillCase = "demo.not_a_refill_case";

    /// <summary>The pharmacy server could not read or change the shelf while a simulated case was being prepared (the job's <c>error</c>).</summary>
    [ErrorCode(ErrorSurface.Report | ErrorSurface.Cli)]
    public const string ShelfUnavailable = "demo.shelf_unavailable";
}
