namespace ControlTower.Server.Governance;

internal static class GovernanceServiceCollectionExtensions
{
    /// <summary>Approvals, gates and the kill switch, governed executions and their rollback, rule sets.</summary>
    public static IServiceCollection AddGovernance(this IServiceCollection services)
    {
        services.AddSingleton<ApprovalService>();
        services.AddSingleton<Runs.ICancelledAttemptHook, ApprovalCancellation>();
        services.AddSingleton<GateService>();
        services.AddSingleton<ExecutionCredentials>();
        services.AddSingleton<GovernedActions>();
        services.AddSingleton<GovernedRollbacks>();
        services.AddSingleton<Rules.RuleSetService>();

        // The governance node types run through the engine's executor seam.
        services.AddSingleton<Nodes.INodeExecutor, ApprovalExecutor>();
        services.AddSingleton<Nodes.INodeExecutor, GovernedActionExecutor>();
        services.AddSingleton<Nodes.INodeExecutor, Rules.RulesExecutor>();
        return services;
    }
}
