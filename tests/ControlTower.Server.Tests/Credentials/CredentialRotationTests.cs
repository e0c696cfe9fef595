using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Core.Crypto;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialRotationTests : IDisposable
{
    private const int Count = 25;
    private readonly string _folder = Directory.CreateTempSubdirectory("controltower-rotation-").FullName;
    private readonly string _oldKey = CredentialApi.NewKey();
    private readonly string _newKey = CredentialApi.NewKey();

    private string DatabaseFile => Path.Combine(_folder, "ct.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task RotateAsync_WhenInterruptedAfterFirstBatchAndRerun_EveryCredentialDecryptsUnderTheNewKeyAlone()
    {
        var (owner, ids) = await SeedAsync();

        using (var rotating = Factory($"{_newKey},{_oldKey}"))
        {
            using var interrupt = new CancellationTokenSource();
            var reports = new List<CredentialRotationProgress>();
            var progress = new SynchronousProgress(p =>
            {
                reports.Add(p);
                if (p.Done > 0)
                {
                    interrupt.Cancel();
                }
            });

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                rotating.Services.GetRequiredService<CredentialRotation>().RotateAsync("test", progress, interrupt.Token));

            Assert.Equal(new[] { new CredentialRotationProgress(0, Count), new CredentialRotationProgress(10, Count) }, reports);
            Assert.Equal(10, await CountUnderAsync(_newKey));
            Assert.Equal(Count - 10, await CountUnderAsync(_oldKey));

            using var admin = rotating.CreateAdminClient();
            using var rerun = await admin.PostAsync("/api/credentials/rotate", null);
            var result = await rerun.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.OK, rerun.StatusCode);
            Assert.Equal(Count - 10, result.GetProperty("total").GetInt32());
            Assert.Equal(Count - 10, result.GetProperty("rotated").GetInt32());
            Assert.Equal(0, result.GetProperty("unreadable").GetInt32());
            Assert.Equal(Count, await CountUnderAsync(_newKey));

            var audited = await CredentialApi.AuditAsync(admin, CredentialRotation.Action);
            Assert.Equal(3, audited.Length);
            Assert.Equal(Count, audited.Sum(e => e.GetProperty("data").GetProperty("rotated").GetInt32()));
        }

        using var retired = Factory(_newKey);
        var vault = retired.Vault();
        for (var i = 0; i < ids.Count; i++)
        {
            var data = Assert.IsType<BearerTokenData>(await vault.ResolveForUseAsync(owner, ids[i], CredentialApi.Purpose(), default));
            Assert.Equal($"rotating-token-{i:D3}", data.Token);
        }
    }

    [Fact]
    public async Task CredentialsRotateCommand_WhenRunTwice_RotatesEverythingThenFindsNothingLeft()
    {
        var (owner, ids) = await SeedAsync();
        var environment = new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "development",
            ["DATA_DIR"] = _folder,
            ["DATABASE_URL"] = $"Data Source={DatabaseFile}",
            ["CREDENTIAL_KEYS"] = $"{_newKey},{_oldKey}",
            ["CREDENTIAL_ROTATION_BATCH_SIZE"] = "10",
        };

        var first = await ControlTowerProcess.RunAsync(["credentials", "rotate"], environment);
        var second = await ControlTowerProcess.RunAsync(["credentials", "rotate"], environment);

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains($"rotated {Count} of {Count}", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"re-encrypted {Count}/{Count}", first.StandardError, StringComparison.Ordinal);
        Assert.Contains("rotated 0 of 0", second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(_newKey, first.StandardOutput + first.StandardError, StringComparison.Ordinal);
        using var retired = Factory(_newKey);
        Assert.NotNull(await retired.Vault().ResolveForUseAsync(owner, ids[^1], CredentialApi.Purpose(), default));
    }

    private async Task<(Guid Owner, List<Guid> Ids)> SeedAsync()
    {
        using var seeding = Factory(_oldKey);
        var (client, _, owner) = await seeding.CreateUserClientAsync("rita", "operator");
        var ids = new List<Guid>();
        for (var i = 0; i < Count; i++)
        {
            ids.Add(await CredentialApi.CreateAsync(client, $"cred-{i:D3}", "bearer_token", new { token = $"rotating-token-{i:D3}" }));
        }

        return (owner, ids);
    }

    private ControlTowerFactory Factory(string keys) => new(new Dictionary<string, string?>
    {
        ["DATABASE_URL"] = $"Data Source={DatabaseFile}",
        ["CREDENTIAL_KEYS"] = keys,
        ["CREDENTIAL_ROTATION_BATCH_SIZE"] = "10",
    });

    private async Task<long> CountUnderAsync(string key)
    {
        var rows = await Sqlite.QueryAsync(DatabaseFile, $"SELECT COUNT(*) FROM credentials WHERE key_fingerprint = '{FernetKey.Parse(key).Fingerprint}'");
        var fingerprintCount = (long)rows[0][0]!;
        // The column is a hint; the tokens themselves must agree with it.
        var ring = MultiFernet.Parse(key);
        var tokens = await Sqlite.QueryAsync(DatabaseFile, "SELECT encrypted_data FROM credentials");
        var signed = tokens.Count(t => IsSignedBy(ring, (string)t[0]!));
        Assert.Equal(fingerprintCount, signed);
        return signed;
    }

    private static bool IsSignedBy(MultiFernet ring, string token)
    {
        try
        {
            return ring.KeyIndexOf(token) == 0;
        }
        catch (FernetException)
        {
            return false;
        }
    }

    private sealed class SynchronousProgress(Action<CredentialRotationProgress> report) : IProgress<CredentialRotationProgress>
    {
        public void Report(CredentialRotationProgress value) => report(value);
    }
}
