using Microsoft.Extensions.Options;
using ControlTower.Server.Platform.Persistence;

namespace ControlTower.Server.Platform.Configuration;

/// <summary>
/// The settings production refuses to start with. Checked at start through options validation,
/// so a bad setting stops the process with a clear message and a non-zero exit code.
/// </summary>
internal sealed class ProductionSafety(IOptions<PlatformOptions> platform, IOptions<DatabaseOptions> database)
    : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var problems = Problems(platform.Value, database.Value, options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static IReadOnlyList<string> Problems(PlatformOptions platform, DatabaseOptions database, SecurityOptions security)
    {
        if (platform.Mode != RunMode.Production)
        {
            return [];
        }

        var problems = new List<string>();
        if (DatabaseConnection.Resolve(database, platform).Provider == DatabaseProvider.Sqlite)
        {
            problems.Add("production needs PostgreSQL or MySQL: set DATABASE_URL to a postgres:// URL, an Npgsql connection string or a mysql:// URL (SQLite is for demo and development).");
        }

        if (string.IsNullOrWhiteSpace(security.AdminApiKey))
        {
            problems.Add("production needs ADMIN_API_KEY (at least 32 characters).");
        }
        else if (security.AdminApiKey.Length < SecurityOptions.MinimumAdminKeyLength)
        {
            problems.Add($"ADMIN_API_KEY is too short: production needs at least {SecurityOptions.MinimumAdminKeyLength} characters.");
        }

        if (security.AuthBypass == true)
        {
            problems.Add("AUTH_BYPASS cannot be on in production.");
        }

        if (security.CorsOriginList.Any(origin => origin.Contains('*', StringComparison.Ordinal)))
        {
            problems.Add("CORS_ORIGINS cannot contain a wildcard in production: list the dashboard origins.");
        }

        return problems;
    }
}
