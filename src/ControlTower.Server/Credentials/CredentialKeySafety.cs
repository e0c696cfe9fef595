using ControlTower.Core.Crypto;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

/// <summary>
/// Start-time checks of <c>CREDENTIAL_KEYS</c>: production refuses to start without a key (a generated
/// key file would be lost with the container), and a malformed key stops every mode. Messages name the
/// position of a bad key, never its text.
/// </summary>
internal sealed class CredentialKeySafety(IOptions<PlatformOptions> platform) : IValidateOptions<CredentialOptions>
{
    public ValidateOptionsResult Validate(string? name, CredentialOptions options)
    {
        var problems = Problems(platform.Value.Mode, options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static IReadOnlyList<string> Problems(RunMode mode, CredentialOptions options)
    {
        var keys = options.KeyList;
        if (keys.Count == 0)
        {
            return mode == RunMode.Production
                ? ["production needs CREDENTIAL_KEYS: one or more comma-separated Fernet keys (base64url of 32 random bytes), newest first."]
                : [];
        }

        var problems = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            try
            {
                FernetKey.Parse(keys[i]);
            }
            catch (FernetException)
            {
                problems.Add($"CREDENTIAL_KEYS entry {i + 1} of {keys.Count} is not a Fernet key (base64url of exactly 32 bytes).");
            }
        }

        return problems;
    }
}
