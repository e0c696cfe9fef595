using ControlTower.Core.Errors;

namespace ControlTower.Server.Demo.Scenarios;

/// <summary>Stable error codes of the demo scenario templates.</summary>
internal static class ScenarioErrorCodes
{
    /// <summary>No scenario template with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotFound = "demo.scenario_not_found";

    /// <summary>Scenarios start runs only in demo mode (ENVIRONMENT=demo), where the pharmacy demo is seeded.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string DemoModeOnly = "demo.scenario_demo_mode_only";

    /// <summary>The seeded refill workflow, or the refill bot that submits refills, is gone (deleted or renamed).</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string WorkflowMissing = "demo.scenario_workflow_missing";
}
