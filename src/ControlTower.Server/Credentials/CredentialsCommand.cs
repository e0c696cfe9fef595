using System.CommandLine;
using ControlTower.Server.Platform;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

/// <summary><c>controltower credentials rotate</c>: the re-encrypt job, with progress on stderr.</summary>
internal static class CredentialsCommand
{
    internal static Command Create()
    {
        var rotate = new Command("rotate", "Re-encrypt every credential under the first key of CREDENTIAL_KEYS; safe to rerun after an interruption.");
        rotate.SetAction(async (parse, ct) =>
        {
            await using var app = ControlTowerApp.Build([.. parse.UnmatchedTokens]);
            _ = app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<CredentialOptions>>().Value;
            await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(ct);

            var result = await app.Services.GetRequiredService<CredentialRotation>().RotateAsync(
                $"cli:{Environment.UserName}",
                new ConsoleProgress(),
                ct);
            await Console.Out.WriteLineAsync(
                $"rotated {result.Rotated} of {result.Total} credential(s) to key {result.KeyFingerprint} in {result.Batches} batch(es); " +
                    $"{result.AlreadyCurrent} were current already; {result.Unreadable} unreadable");
            if (result.Unreadable > 0)
            {
                await Console.Error.WriteLineAsync("Some credentials are under no configured key: keep every old key in CREDENTIAL_KEYS until they are dealt with.");
                return 1;
            }

            return 0;
        });
        return new Command("credentials", "The credential vault.") { Subcommands = { rotate } };
    }

    // Synchronous, unlike Progress<T>, so lines come out in order before the summary.
    private sealed class ConsoleProgress : IProgress<CredentialRotationProgress>
    {
        public void Report(CredentialRotationProgress value) => Console.Error.WriteLine($"re-encrypted {value.Done}/{value.Total}");
    }
}
