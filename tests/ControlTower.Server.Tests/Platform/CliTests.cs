using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Platform;

public sealed class CliTests
{
    [Fact]
    public async Task UsersAndApiKeys_WhenCreatedFromTheCli_WorkOverHttp()
    {
        var data = Directory.CreateTempSubdirectory("controltower-cli-").FullName;
        var environment = new Dictionary<string, string?> { ["ENVIRONMENT"] = "development", ["DATA_DIR"] = data };

        var migrate = await ControlTowerProcess.RunAsync(["migrate"], environment);
        var user = await ControlTowerProcess.RunAsync(["users", "create", "--name", "cli.person", "--role", "operator"], environment);
        var key = await ControlTowerProcess.RunAsync(["apikeys", "create", "--user", "cli.person", "--name", "laptop"], environment);
        var badRole = await ControlTowerProcess.RunAsync(["users", "create", "--name", "x", "--role", "root"], environment);

        Assert.True(migrate.ExitCode == 0, migrate.StandardError);
        Assert.True(user.ExitCode == 0, user.StandardError);
        Assert.True(Guid.TryParse(user.StandardOutput.Trim(), out _));
        Assert.True(key.ExitCode == 0, key.StandardError);
        Assert.StartsWith("ct_", key.StandardOutput.Trim(), StringComparison.Ordinal);
        Assert.Equal(2, badRole.ExitCode);
        Assert.Contains("identity.role_invalid", badRole.StandardError, StringComparison.Ordinal);

        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["DATA_DIR"] = data });
        using var client = factory.CreateClient(key.StandardOutput.Trim());
        var me = await client.GetStringAsync("/api/me");
        Assert.Contains("cli.person", me, StringComparison.Ordinal);

        var revoke = await ControlTowerProcess.RunAsync(["apikeys", "revoke", Guid.NewGuid().ToString()], environment);
        Assert.Equal(2, revoke.ExitCode);
        Assert.Contains("identity.api_key_not_found", revoke.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownWord_IsRefusedWithTheListOfCommandsInsteadOfStartingTheServer()
    {
        var data = Directory.CreateTempSubdirectory("controltower-cli-").FullName;
        var environment = new Dictionary<string, string?> { ["ENVIRONMENT"] = "development", ["DATA_DIR"] = data };

        var typo = await ControlTowerProcess.RunAsync(["migarte"], environment);

        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("'migarte' is not a command", typo.StandardError, StringComparison.Ordinal);
        Assert.Contains("migrate", typo.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("pharmacy-mcp", typo.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(data));
    }

    [Fact]
    public void TestProcess_KeepsItsTemporaryFilesInAFolderOfItsOwn()
    {
        Assert.StartsWith("controltower-tests-", new DirectoryInfo(Path.GetTempPath()).Name, StringComparison.Ordinal);
    }
}
