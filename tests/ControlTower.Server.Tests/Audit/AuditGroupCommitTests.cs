using System.Net.Http.Json;
using ControlTower.Server.Audit;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Audit;

/// <summary>
/// The group commit's units chain their audit entries after the head the batch read once; a unit rolled back to its
/// savepoint takes its entries with it, so the next unit must chain after the entry before them, not after the lost ones.
/// </summary>
public sealed class AuditGroupCommitTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task GroupCommit_WhenUnitsFailAfterAppending_KeepsOneUnbrokenChainOfTheUnitsThatCommitted(string provider)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        await using var mysql = provider == "mysql" ? await MySqlDatabase.CreateAsync() : null;
        using var factory = new ControlTowerFactory(postgres: postgres, mysql: mysql);
        using var admin = factory.CreateAdminClient();
        var before = (await admin.GetFromJsonAsync<VerificationDto>("/api/audit/verify"))!.EntriesChecked;
        var queue = factory.Services.GetRequiredService<RunCommitQueue>();
        var audit = factory.Services.GetRequiredService<AuditLog>();

        // A first unit holds the writer, so the units queued meanwhile commit together in the next batch.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = queue.CommitAsync(async (db, ct) =>
        {
            started.SetResult();
            await release.Task;
            await audit.CommitAsync(db, Event(0), ct);
            return 0;
        }, CancellationToken.None);
        await started.Task;
        var units = Enumerable.Range(1, 8).Select(i => queue.CommitAsync(async (db, ct) =>
        {
            await audit.CommitAsync(db, [Event(i), Event(i + 100)], ct);
            return i % 3 == 2 ? throw new InvalidOperationException($"unit {i} fails after appending") : i;
        }, CancellationToken.None)).ToList();
        release.SetResult();
        await holding;
        var outcomes = await Task.WhenAll(units.Select(async unit =>
        {
            try
            {
                return await unit;
            }
            catch (InvalidOperationException)
            {
                return -1;
            }
        }));

        var verification = await admin.GetFromJsonAsync<VerificationDto>("/api/audit/verify");
        Assert.Equal([1, -1, 3, 4, -1, 6, 7, -1], outcomes);
        Assert.True(verification!.Intact, verification.FirstBreak?.Detail);
        Assert.Equal(before + 1 + (2 * 5), verification.EntriesChecked);

        // The next batch reads the head again and chains after what the last one committed.
        await queue.CommitAsync(async (db, ct) =>
        {
            await audit.CommitAsync(db, Event(9), ct);
            return 0;
        }, CancellationToken.None);
        verification = await admin.GetFromJsonAsync<VerificationDto>("/api/audit/verify");
        Assert.True(verification!.Intact, verification.FirstBreak?.Detail);
        Assert.Equal(before + 12, verification.EntriesChecked);
    }

    private static AuditEvent Event(int unit) => new("tester", "test.grouped", $"unit:{unit}", "group commit");
}
