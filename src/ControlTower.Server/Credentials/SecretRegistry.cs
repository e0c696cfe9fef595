using ControlTower.Core.Crypto;

namespace ControlTower.Server.Credentials;

/// <summary>
/// Every secret value this process has loaded (credential data on create, update and use; OAuth access
/// tokens; the vault's own keys), as one <see cref="SecretRedactor"/> that only grows. Defence in
/// depth: text about to be logged or published is passed through <see cref="Redact"/>, so a secret
/// that slipped into a message, a name or an error is masked anyway. Thread-safe; reads take no lock.
/// </summary>
internal sealed class SecretRegistry
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private volatile SecretRedactor _redactor = SecretRedactor.Empty;

    public SecretRedactor Redactor => _redactor;

    public void Register(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        lock (_gate)
        {
            // Rebuilding the automaton costs the total secret length: only do it when something is new.
            var fresh = secrets.Where(s => s.Length >= SecretRedactor.MinSecretLength && _known.Add(s)).ToList();
            if (fresh.Count > 0)
            {
                _redactor = _redactor.With(fresh);
            }
        }
    }

    public void Register(CredentialData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Register(data.SecretValues());
    }

    public string Redact(string text) => _redactor.Redact(text);
}
