using System.Net.Http.Json;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Audit;

public sealed class AuditConcurrencyTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task Append_WhenManyWritersRace_KeepsOneUnbrokenChain(string provider)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        await using var mysql = provider == "mysql" ? await MySqlDatabase.CreateAsync() : null;
        using var factory = new ControlTowerFactory(postgres: postgres, mysql: mysql);
        using var admin = factory.CreateAdminClient();
        await admin.GetAsync("/api/me");

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            admin.PostAsJsonAsync("/api/users", new { name = $"racer{i}", role = "viewer" })));
        var verification = await admin.GetFromJsonAsync<VerificationDto>("/api/audit/verify");

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        Assert.True(verification!.Intact, verification.FirstBreak?.Detail);
        Assert.Equal(31, verification.EntriesChecked);
    }
}
