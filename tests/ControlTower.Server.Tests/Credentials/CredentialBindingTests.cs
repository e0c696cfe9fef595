using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialBindingTests
{
    [Fact]
    public async Task ResolveForUse_WhenTokenCopiedIntoAnotherUsersRow_FailsWithBindingMismatchAndIsAudited()
    {
        using var factory = new ControlTowerFactory();
        var (alice, _, aliceId) = await factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, bobId) = await factory.CreateUserClientAsync("bob", "operator");
        var alices = await CredentialApi.CreateAsync(alice, "alice-github", "bearer_token", new { token = "alice-token-0a9b8c7d" });
        var bobs = await CredentialApi.CreateAsync(bob, "bob-github", "bearer_token", new { token = "bob-token-1f2e3d4c" });

        await Sqlite.ExecuteAsync(factory.SqliteFile,
            "UPDATE credentials SET encrypted_data = (SELECT encrypted_data FROM credentials WHERE name = 'alice-github') WHERE name = 'bob-github'");

        var failure = await Assert.ThrowsAsync<Core.Crypto.CredentialException>(() => factory.Vault().ResolveForUseAsync(bobId, bobs, CredentialApi.Purpose(), default));
        Assert.Equal(ControlTower.Core.Crypto.CredentialErrorCodes.BindingMismatch, failure.Code);
        Assert.Equal("user_id", failure.Details["field"]);
        Assert.NotNull(await factory.Vault().ResolveForUseAsync(aliceId, alices, CredentialApi.Purpose(), default));

        using var admin = factory.CreateAdminClient();
        var audited = Assert.Single(await CredentialApi.AuditAsync(admin, CredentialVault.UseFailedAction));
        Assert.Equal(ControlTower.Core.Crypto.CredentialErrorCodes.BindingMismatch, audited.GetProperty("data").GetProperty("code").GetString());
        var used = await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction);
        Assert.DoesNotContain(used, e => e.GetProperty("target").GetString() == $"credential:{bobs}");
    }

    [Fact]
    public async Task ResolveForUse_WhenTokenUnderAKeyNoLongerConfigured_IsUndecryptable()
    {
        var folder = Directory.CreateTempSubdirectory("controltower-keys-").FullName;
        var database = $"Data Source={Path.Combine(folder, "ct.db")}";
        Guid id;
        Guid aliceId;
        using (var before = new ControlTowerFactory(new Dictionary<string, string?> { ["DATABASE_URL"] = database, ["CREDENTIAL_KEYS"] = CredentialApi.NewKey() }))
        {
            (var alice, _, aliceId) = await before.CreateUserClientAsync("alice", "operator");
            id = await CredentialApi.CreateAsync(alice, "github", "bearer_token", new { token = "alice-token-0a9b8c7d" });
        }

        using var after = new ControlTowerFactory(new Dictionary<string, string?> { ["DATABASE_URL"] = database, ["CREDENTIAL_KEYS"] = CredentialApi.NewKey() });
        var failure = await Assert.ThrowsAsync<ControlTowerException>(() => after.Vault().ResolveForUseAsync(aliceId, id, CredentialApi.Purpose(), default));

        Assert.Equal(CredentialErrorCodes.Undecryptable, failure.Code);
    }
}
