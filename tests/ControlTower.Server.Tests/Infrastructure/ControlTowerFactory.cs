using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// The real app over HTTP (in-memory transport) on its own SQLite file in a fresh folder, or on a
/// PostgreSQL or MySQL database when a <see cref="PostgresDatabase"/> or <see cref="MySqlDatabase"/> is given. Settings are the same flat keys
/// users set in the environment.
/// </summary>
public sealed class ControlTowerFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789-abcdefghijklmnop";

    private readonly Dictionary<string, string?> _settings;
    private readonly List<Action<IServiceCollection>> _services = [];

    /// <summary>
    /// SQLite's process-wide pool starts a pruning timer when first used, and the timer keeps the execution context it was
    /// created in. Inside the first host's start that context holds the test server's hosting listener, and through it that
    /// host, for the rest of the run; created here, without flow, it holds nothing.
    /// </summary>
    static ControlTowerFactory()
    {
        using (ExecutionContext.SuppressFlow())
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    internal ControlTowerFactory(IDictionary<string, string?>? settings = null, PostgresDatabase? postgres = null, MySqlDatabase? mysql = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("controltower-test-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "development",
            ["DATA_DIR"] = DataDirectory,
            ["ADMIN_API_KEY"] = AdminKey,
            ["AUDIT_EXPORT_INTERVAL_SECONDS"] = "3600",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (postgres is not null)
        {
            _settings["DATABASE_URL"] = postgres.ConnectionString;
        }

        if (mysql is not null)
        {
            _settings["DATABASE_URL"] = mysql.Url;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public string SqliteFile => Path.Combine(DataDirectory, "controltower.db");

    /// <summary>Replaces or adds services after the app's own (a test clock, a log capture); call before the first client.</summary>
    public ControlTowerFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => _services.ForEach(configure => configure(services)));
    }

    public HttpClient CreateClient(string? apiKey)
    {
        var client = CreateClient();

        // Some requests do real work (a retrain fits three models): on a loaded 2-core machine 100 s is not always enough.
        client.Timeout = TimeSpan.FromMinutes(5);
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public HttpClient CreateAdminClient() => CreateClient(AdminKey);

    /// <summary>Creates a user with the role and returns a client carrying a fresh key of theirs.</summary>
    internal async Task<(HttpClient Client, string Key, Guid UserId)> CreateUserClientAsync(string name, string role)
    {
        using var admin = CreateAdminClient();
        var user = await (await admin.PostAsJsonAsync("/api/users", new { name, role })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<UserDto>();
        var created = await (await admin.PostAsJsonAsync("/api/api-keys", new { name = "test", userId = user!.Id })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<CreatedKeyDto>();
        return (CreateClient(created!.Key), created.Key, user.Id);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a finishing background task; the OS temp folder is cleaned anyway.
            }
        }
    }
}

internal sealed record UserDto(Guid Id, string Name, string Role);

internal sealed record ApiKeyDto(Guid Id, Guid UserId, string Name, string Prefix, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

internal sealed record CreatedKeyDto(ApiKeyDto ApiKey, string Key);
