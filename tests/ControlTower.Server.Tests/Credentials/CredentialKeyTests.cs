using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialKeyTests
{
    private const string SafeAdminKey = "production-admin-key-with-more-than-32-chars";

    [Fact]
    public async Task Start_WhenProductionHasNoCredentialKeys_ExitsNonZeroNamingTheSetting()
    {
        var environment = new Dictionary<string, string?>
        {
            ["ENVIRONMENT"] = "production",
            ["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Database=x",
            ["ADMIN_API_KEY"] = SafeAdminKey,
            ["DATA_DIR"] = Directory.CreateTempSubdirectory("controltower-cli-").FullName,
        };

        var result = await ControlTowerProcess.RunAsync(["serve"], environment);

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr: {result.StandardError}");
        Assert.Contains("refuses to start", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("production needs CREDENTIAL_KEYS", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(environment["DATA_DIR"]!, CredentialKeyRing.KeyFileName)));
    }

    [Theory]
    [InlineData("production", "", "production needs CREDENTIAL_KEYS")]
    [InlineData("demo", "not-a-key-but-maybe-a-secret", "entry 1 of 1")]
    [InlineData("development", "{0},c2hvcnQ", "entry 2 of 2")]
    public void Validate_WhenKeysMissingOrMalformed_FailsWithoutRepeatingThem(string environment, string keys, string expected)
    {
        var mode = new PlatformOptions { Environment = environment }.Mode;
        keys = string.Format(System.Globalization.CultureInfo.InvariantCulture, keys, CredentialApi.NewKey());

        var problems = CredentialKeySafety.Problems(mode, new CredentialOptions { Keys = keys });

        var problem = Assert.Single(problems);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.All(keys.Split(',', StringSplitOptions.RemoveEmptyEntries), key => Assert.DoesNotContain(key, problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("development")]
    [InlineData("production")]
    public void Validate_WhenKeysAreValid_Passes(string environment) =>
        Assert.Empty(CredentialKeySafety.Problems(new PlatformOptions { Environment = environment }.Mode, new CredentialOptions { Keys = $"{CredentialApi.NewKey()}, {CredentialApi.NewKey()}" }));

    [Fact]
    public void Validate_WhenDemoHasNoKeys_Passes() =>
        Assert.Empty(CredentialKeySafety.Problems(RunMode.Demo, new CredentialOptions()));

    [Fact]
    public async Task Start_WhenDevelopmentHasNoKeys_GeneratesAnOwnerOnlyKeyFileAndReusesItNextStart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-keyfile-").FullName;
        var settings = new Dictionary<string, string?> { ["DATA_DIR"] = dataDirectory, ["DATABASE_URL"] = $"Data Source={Path.Combine(dataDirectory, "ct.db")}" };
        var keyFile = Path.Combine(dataDirectory, CredentialKeyRing.KeyFileName);
        Guid id;
        Guid userId;
        string written;
        using (var first = new ControlTowerFactory(settings))
        {
            using (first.CreateClient())
            {
                Assert.True(File.Exists(keyFile), "the key file is made at start, before any credential exists");
            }

            (var client, _, userId) = await first.CreateUserClientAsync("kim", "operator");
            id = await CredentialApi.CreateAsync(client, "github", "bearer_token", new { token = "kim-token-abcdef" });
            written = await File.ReadAllTextAsync(keyFile);
        }

        using var second = new ControlTowerFactory(settings);
        var data = await second.Vault().ResolveForUseAsync(userId, id, CredentialApi.Purpose(), default);

        Assert.Equal("kim-token-abcdef", Assert.IsType<Core.Crypto.BearerTokenData>(data).Token);
        Assert.Equal(written, await File.ReadAllTextAsync(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Core.Crypto.FernetKey.Parse(written);
    }
}
