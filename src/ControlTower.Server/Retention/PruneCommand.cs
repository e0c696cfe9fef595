using System.CommandLine;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Retention;

/// <summary>
/// <c>controltower prune [--dry-run] [--vacuum]</c>: one retention pass now, without the background pauses, printing what
/// it removed (or would remove). <c>--vacuum</c> then gives the freed pages back to the file system (SQLite) or the
/// table's free space map (PostgreSQL): never automatic, since a SQLite VACUUM rewrites the whole file under a write lock.
/// </summary>
internal static class PruneCommand
{
    internal static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be removed; remove nothing." };
        var vacuum = new Option<bool>("--vacuum") { Description = "After pruning, VACUUM the database (rewrites a SQLite file: run it in a quiet hour)." };
        var command = new Command("prune", "Remove finished runs past their retention policy (audit entries are never pruned).") { Options = { dryRun, vacuum } };
        command.SetAction(async (parse, ct) =>
        {
            await using var app = ControlTowerApp.Build([.. parse.UnmatchedTokens]);
            _ = app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<BlobOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<RetentionOptions>>().Value;
            await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(ct);
            var dry = parse.GetValue(dryRun);
            if (await app.Services.GetRequiredService<RunPruner>().PruneAsync(dry, TimeSpan.Zero, ct) is not { } report)
            {
                await Console.Error.WriteLineAsync($"controltower: another process is pruning (lease '{PruneLease.Name}'); try again later.");
                return 1;
            }

            await Console.Out.WriteLineAsync(Describe(report));
            if (parse.GetValue(vacuum) && !dry)
            {
                await VacuumAsync(app.Services, ct);
            }

            return 0;
        });
        return command;
    }

    public static string Describe(PruneReport report)
    {
        var verb = report.DryRun ? "would remove" : "removed";
        return $"{verb} {report.Runs} run(s): {report.Rows} row(s), {report.PayloadBytes} bytes of run data, {report.Blobs} blob(s) of {report.BlobBytes} bytes; "
            + $"kept {report.Kept} run(s) past their policy that are still referenced (held, awaiting approval, inside a rollback window, parent running); "
            + $"{report.Elapsed.TotalSeconds:F1} s";
    }

    private static async Task VacuumAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync(cancellationToken);
        var time = services.GetRequiredService<TimeProvider>();
        if (db.IsMySql)
        {
            // InnoDB reuses the freed pages; OPTIMIZE TABLE would rebuild each table and is an operator's call.
            await Console.Out.WriteLineAsync("not vacuumed: MySQL has no VACUUM (InnoDB reuses freed pages; OPTIMIZE TABLE rebuilds a table)");
            return;
        }

        var started = time.GetTimestamp();
        await db.Database.ExecuteSqlRawAsync("VACUUM", cancellationToken);
        await Console.Out.WriteLineAsync($"vacuumed the database in {time.GetElapsedTime(started).TotalSeconds:F1} s");
    }
}
