using System.Net.Http.Json;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Audit;

/// <summary>Edits, deletions and reorderings made behind the API's back are found by verify, on every provider.</summary>
public sealed class AuditTamperTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres", "mysql" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Verify_WhenUntouched_IsIntact(string provider)
    {
        await using var store = await Store.CreateAsync(provider);

        var result = await store.VerifyAsync();

        Assert.True(result.Intact);
        Assert.Equal(6, result.EntriesChecked);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Verify_WhenAnEntryIsEdited_ReportsHashMismatchAtIt(string provider)
    {
        await using var store = await Store.CreateAsync(provider);

        await store.ExecuteAsync("UPDATE audit_entries SET \"Reason\" = 'nothing to see here' WHERE \"Sequence\" = 4");
        var result = await store.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(4, result.FirstBreak!.Sequence);
        Assert.Equal("audit.hash_mismatch", result.FirstBreak.Problem);
        Assert.Equal(3, result.EntriesChecked);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Verify_WhenAnEntryIsDeleted_ReportsSequenceGapAfterIt(string provider)
    {
        await using var store = await Store.CreateAsync(provider);

        await store.ExecuteAsync("DELETE FROM audit_entries WHERE \"Sequence\" = 3");
        var result = await store.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(4, result.FirstBreak!.Sequence);
        Assert.Equal("audit.sequence_gap", result.FirstBreak.Problem);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Verify_WhenTwoEntriesAreSwapped_ReportsTheFirstMovedOne(string provider)
    {
        await using var store = await Store.CreateAsync(provider);

        // Swap entries 2 and 5 by exchanging their sequence numbers.
        await store.ExecuteAsync("UPDATE audit_entries SET \"Sequence\" = -2 WHERE \"Sequence\" = 2");
        await store.ExecuteAsync("UPDATE audit_entries SET \"Sequence\" = 2 WHERE \"Sequence\" = 5");
        await store.ExecuteAsync("UPDATE audit_entries SET \"Sequence\" = 5 WHERE \"Sequence\" = -2");
        var result = await store.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(2, result.FirstBreak!.Sequence);
        Assert.Contains(result.FirstBreak.Problem, new[] { "audit.link_broken", "audit.hash_mismatch" });
    }

    [Fact]
    public async Task Verify_WhenBrokenFromTheCli_ExitsOneAndNamesTheEntry()
    {
        await using var store = await Store.CreateAsync("sqlite");
        var environment = new Dictionary<string, string?> { ["ENVIRONMENT"] = "development", ["DATA_DIR"] = store.Factory.DataDirectory };

        var intact = await ControlTowerProcess.RunAsync(["audit", "verify"], environment);
        await store.ExecuteAsync("UPDATE audit_entries SET \"Actor\" = 'someone-else' WHERE \"Sequence\" = 2");
        var broken = await ControlTowerProcess.RunAsync(["audit", "verify"], environment);

        Assert.True(intact.ExitCode == 0, intact.StandardError);
        Assert.StartsWith("intact: 6 entries", intact.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("broken at entry 2: audit.hash_mismatch", broken.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>A store with six audit entries: the built-in admin, and five users made over the API.</summary>
    private sealed class Store : IAsyncDisposable
    {
        private readonly PostgresDatabase? _postgres;
        private readonly MySqlDatabase? _mysql;

        private Store(ControlTowerFactory factory, PostgresDatabase? postgres, MySqlDatabase? mysql)
        {
            Factory = factory;
            _postgres = postgres;
            _mysql = mysql;
        }

        public ControlTowerFactory Factory { get; }

        public static async Task<Store> CreateAsync(string provider)
        {
            var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
            var mysql = provider == "mysql" ? await MySqlDatabase.CreateAsync() : null;
            var store = new Store(new ControlTowerFactory(postgres: postgres, mysql: mysql), postgres, mysql);
            using var admin = store.Factory.CreateAdminClient();
            for (var i = 1; i <= 5; i++)
            {
                (await admin.PostAsJsonAsync("/api/users", new { name = $"user{i}", role = "viewer" })).EnsureSuccessStatusCode();
            }

            return store;
        }

        public Task ExecuteAsync(string sql) =>
            _postgres?.ExecuteAsync(sql) ?? _mysql?.ExecuteAsync(sql) ?? Sqlite.ExecuteAsync(Factory.SqliteFile, sql);

        public async Task<VerificationDto> VerifyAsync()
        {
            using var admin = Factory.CreateAdminClient();
            return (await admin.GetFromJsonAsync<VerificationDto>("/api/audit/verify"))!;
        }

        public async ValueTask DisposeAsync()
        {
            Factory.Dispose();
            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }

            if (_mysql is not null)
            {
                await _mysql.DisposeAsync();
            }
        }
    }
}

internal sealed record BreakDto(long Sequence, string Problem, string Detail);

internal sealed record VerificationDto(bool Intact, long EntriesChecked, string HeadHash, BreakDto? FirstBreak);
