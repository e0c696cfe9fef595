using System.Net;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Platform;

public sealed class StartupTests
{
    private const string SafeKey = "production-admin-key-with-more-than-32-chars";

    // Production also needs credential keys; one valid key keeps each case about its own setting.
    private static readonly string CredentialKey = ControlTower.Core.Crypto.FernetKey.FromBytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).Export();

    [Fact]
    public async Task HealthReady_WhenStartedOnSqlite_Is200()
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"healthy\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string, Dictionary<string, string?>, string> UnsafeProductionSettings => new()
    {
        { "sqlite", new() { ["ADMIN_API_KEY"] = SafeKey }, "PostgreSQL" },
        { "missing key", new() { ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=x", ["ADMIN_API_KEY"] = "" }, "ADMIN_API_KEY" },
        { "short key", new() { ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=x", ["ADMIN_API_KEY"] = "too-short-key" }, "too short" },
        { "auth bypass", new() { ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=x", ["ADMIN_API_KEY"] = SafeKey, ["AUTH_BYPASS"] = "true" }, "AUTH_BYPASS" },
        { "wildcard cors", new() { ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=x", ["ADMIN_API_KEY"] = SafeKey, ["CORS_ORIGINS"] = "https://ok.example,*" }, "CORS_ORIGINS" },
        { "oidc over http", new() { ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=x", ["ADMIN_API_KEY"] = SafeKey,
            ["OIDC_AUTHORITY"] = "http://127.0.0.1:1", ["OIDC_AUDIENCE"] = "api", ["OIDC_ALLOW_HTTP"] = "true" }, "OIDC_ALLOW_HTTP" },
    };

    [Theory]
    [MemberData(nameof(UnsafeProductionSettings))]
    public async Task Start_WhenProductionHasUnsafeSetting_ExitsNonZeroWithTheReason(string name, Dictionary<string, string?> settings, string expectedMessage)
    {
        settings["ENVIRONMENT"] = "production";
        settings["CREDENTIAL_KEYS"] = CredentialKey;
        settings["DATA_DIR"] = Directory.CreateTempSubdirectory("controltower-cli-").FullName;

        var result = await ControlTowerProcess.RunAsync(["serve"], settings);

        Assert.True(result.ExitCode == 2, $"{name}: exit code {result.ExitCode}, stderr: {result.StandardError}");
        Assert.Contains("refuses to start", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(expectedMessage, result.StandardError, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> UnusableDatabaseUrls => new()
    {
        { "unknown scheme", "redis://controltower:s3cret-pass@127.0.0.1:6379/0" },
        { "mysql without a host", "mysql://controltower:s3cret-pass@/controltower" },
        { "mysql with a bad port", "mysql://controltower:s3cret-pass@127.0.0.1:port/controltower" },
        { "mysql without a database", "mysql://controltower:s3cret-pass@127.0.0.1:3306" },
        { "postgres without a host", "postgres://" },
        { "neither a url nor a connection string", "s3cret-pass is not a database" },
    };

    [Theory]
    [MemberData(nameof(UnusableDatabaseUrls))]
    public async Task Start_WhenDatabaseUrlIsUnusable_RefusesNamingWhatIsSupportedWithoutAStackTraceOrThePassword(string name, string url)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "development",
            ["DATABASE_URL"] = url,
            ["DATA_DIR"] = Directory.CreateTempSubdirectory("controltower-cli-").FullName,
        };

        var result = await ControlTowerProcess.RunAsync(["serve"], settings);

        Assert.True(result.ExitCode == 2, $"{name}: exit code {result.ExitCode}, stderr: {result.StandardError}");
        Assert.Contains("refuses to start: DATABASE_URL is not usable", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("mysql://user:pass@host:port/db", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("postgres://", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenTheMySqlServerDoesNotAnswer_ExitsWithTheDriversMessageNotAStackTrace()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "development",
            ["DATABASE_URL"] = "mysql://controltower:s3cret-pass@127.0.0.1:1/controltower",
            ["DATA_DIR"] = Directory.CreateTempSubdirectory("controltower-cli-").FullName,
        };

        var result = await ControlTowerProcess.RunAsync(["serve"], settings);

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr: {result.StandardError}");
        Assert.Contains("controltower cannot use the database that DATABASE_URL names: Unable to connect", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task Start_WhenProductionSchemaIsBehind_RefusesUntilMigrated(string provider)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        await using var mysql = provider == "mysql" ? await MySqlDatabase.CreateAsync() : null;
        var production = new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "production",
            ["ADMIN_API_KEY"] = SafeKey,
            ["CREDENTIAL_KEYS"] = CredentialKey,
            ["DATABASE_URL"] = postgres?.ConnectionString ?? mysql!.Url,
            ["DATA_DIR"] = Directory.CreateTempSubdirectory("controltower-cli-").FullName,
        };

        var refused = await ControlTowerProcess.RunAsync(["serve"], production);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("controltower migrate", refused.StandardError, StringComparison.Ordinal);

        var migrate = await ControlTowerProcess.RunAsync(["migrate"], production);
        Assert.True(migrate.ExitCode == 0, migrate.StandardError);
        Assert.Contains("Foundation", migrate.StandardOutput, StringComparison.Ordinal);

        using var migrated = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "production",
            ["ADMIN_API_KEY"] = SafeKey,
            ["CREDENTIAL_KEYS"] = CredentialKey
        }, postgres, mysql);
        using var anonymous = migrated.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/me")).StatusCode);
        using var admin = migrated.CreateClient(SafeKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
    }
}
