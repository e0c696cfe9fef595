using ControlTower.Core.Errors;

namespace ControlTower.Core.Scheduling;

/// <summary>A scheduler call that cannot be honoured (wrong plan for a state, unknown trigger); a caller bug, not a run failure.</summary>
public sealed class SchedulerException(string code, string message)
    : ControlTowerException(ErrorKind.Conflict, code, message);
