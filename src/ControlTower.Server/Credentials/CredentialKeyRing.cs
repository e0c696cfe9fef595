using System.Security.Cryptography;
using ControlTower.Core.Crypto;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

/// <summary>
/// The vault's Fernet keys: <c>CREDENTIAL_KEYS</c> when set (validated at start by
/// <see cref="CredentialKeySafety"/>), otherwise, outside production, one key kept in
/// <c>DATA_DIR/credential.key</c>, generated on first start with owner-only permissions.
/// Only fingerprints are ever logged.
/// </summary>
internal sealed partial class CredentialKeyRing
{
    public const string KeyFileName = "credential.key";

    private readonly Lazy<MultiFernet> _keys;

    /// <summary>Loads (or generates) the keys on first use, so building the host (e.g. for <c>controltower openapi</c>) writes no file.</summary>
    public CredentialKeyRing(IOptions<CredentialOptions> options, IOptions<PlatformOptions> platform, SecretRegistry secrets, ILogger<CredentialKeyRing> logger)
    {
        _keys = new Lazy<MultiFernet>(() =>
        {
            var keys = Load(options, platform, logger);

            // The vault's own keys are secrets too: if one were ever printed, it is masked.
            secrets.Register(keys.Keys.Select(key => key.Export()));
            return keys;
        });
    }

    private static MultiFernet Load(IOptions<CredentialOptions> options, IOptions<PlatformOptions> platform, ILogger logger)
    {
        var configured = options.Value.KeyList;
        if (configured.Count > 0)
        {
            var keys = new MultiFernet(configured.Select(FernetKey.Parse));
            Log.Loaded(logger, "CREDENTIAL_KEYS", keys.Keys.Count, keys.Newest.Fingerprint);
            return keys;
        }

        if (platform.Value.Mode == RunMode.Production)
        {
            // CredentialKeySafety stops the start before this; this guards hosts that skip validation.
            throw new InvalidOperationException("production needs CREDENTIAL_KEYS.");
        }

        var path = Path.Combine(platform.Value.DataDirectoryFullPath, KeyFileName);
        var generated = new MultiFernet([LoadOrCreateKeyFile(path, logger)]);
        Log.Loaded(logger, path, 1, generated.Newest.Fingerprint);
        return generated;
    }

    public MultiFernet Keys => _keys.Value;

    private static FernetKey LoadOrCreateKeyFile(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            return FernetKey.Parse(File.ReadAllText(path));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Span<byte> material = stackalloc byte[FernetKey.KeySizeInBytes];
        RandomNumberGenerator.Fill(material);
        var key = FernetKey.FromBytes(material);
        CryptographicOperations.ZeroMemory(material);
        try
        {
            // CreateNew: two processes starting together on one folder must not each write their own key;
            // the file is created owner-only, so there is no moment when others could read it.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(path, create))
            {
                writer.Write(key.Export());
            }

            if (!OperatingSystem.IsWindows())
            {
                // The umask cannot widen UnixCreateMode, but an existing ACL default could; say it outright.
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Log.Generated(logger, key.Fingerprint, path);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process won the race: use its key.
            return FernetKey.Parse(File.ReadAllText(path));
        }
    }
}
