namespace ControlTower.Server.Governance;

internal static class GovernanceServiceCollectionExtensions
{
    /// <summary>Approvals, gates and the kill switch, governed executions and their rollback, rule sets.</summary>
    public static IServiceCollection AddGovernance(this IServiceCollection services)
    {
        services.AddSingleton<ApprovalService>();
        services.AddSingleton<GateService>();
        services.AddSingleton<GovernedActions>();
        services.AddSingleton<Rules.RuleSetService>();
        return services;
    }
}
