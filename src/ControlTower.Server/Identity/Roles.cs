namespace ControlTower.Server.Identity;

/// <summary>The five roles and the authorization policies built on them.</summary>
internal static class Roles
{
    public const string Admin = "admin";
    public const string Approver = "approver";
    public const string Operator = "operator";
    public const string Viewer = "viewer";
    public const string Service = "service";

    public static readonly IReadOnlyList<string> All = [Admin, Approver, Operator, Viewer, Service];

    public static bool IsValid(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// One policy per role. Admin passes every policy; a policy names who else may pass.
/// <list type="bullet">
/// <item><see cref="AdminOnly"/>: identity management, platform settings.</item>
/// <item><see cref="Approvers"/>: deciding approvals (admin, approver).</item>
/// <item><see cref="Operators"/>: building and running workflows (admin, operator, service).</item>
/// <item><see cref="Readers"/>: reading runs and the audit log (every human role; not service).</item>
/// <item><see cref="Anyone"/>: any authenticated identity (its own profile and keys).</item>
/// </list>
/// </summary>
internal static class Policies
{
    public const string AdminOnly = "role:admin";
    public const string Approvers = "role:approver";
    public const string Operators = "role:operator";
    public const string Readers = "role:viewer";
    public const string Anyone = "role:any";

    public static IServiceCollection AddRolePolicies(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminOnly, policy => policy.RequireRole(Roles.Admin))
            .AddPolicy(Approvers, policy => policy.RequireRole(Roles.Admin, Roles.Approver))
            .AddPolicy(Operators, policy => policy.RequireRole(Roles.Admin, Roles.Operator, Roles.Service))
            .AddPolicy(Readers, policy => policy.RequireRole(Roles.Admin, Roles.Approver, Roles.Operator, Roles.Viewer))
            .AddPolicy(Anyone, policy => policy.RequireAuthenticatedUser());
        return services;
    }
}
