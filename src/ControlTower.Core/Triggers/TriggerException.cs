using ControlTower.Core.Errors;

namespace ControlTower.Core.Triggers;

/// <summary>A trigger definition or delivery that cannot be accepted; <see cref="ControlTowerException.Code"/> is one of <see cref="TriggerErrorCodes"/>.</summary>
public sealed class TriggerException(ErrorKind kind, string code, string message) : ControlTowerException(kind, code, message);
