namespace ControlTower.Server.Governance;

internal sealed partial class ApprovalService
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Approval {ApprovalId}: {Decider} voted {Decision}; now {Status}")]
        public static partial void Decided(ILogger logger, Guid approvalId, string decider, string decision, string status);
    }
}
