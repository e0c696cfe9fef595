using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Crypto;

/// <summary>
/// Seals a <see cref="CredentialEnvelope"/> into a Fernet token under the key ring's newest key, and
/// unseals it for exactly the row it belongs to. Pure: the clock and IV come from the caller.
/// </summary>
/// <remarks>
/// Unseal checks, in order: the token (any <c>crypto.*</c> code), the envelope's version and fields
/// (<c>credential.envelope_invalid</c>), the binding to user, credential id and type
/// (<c>credential.binding_mismatch</c>, Details["field"] says which), then the data's shape.
/// Stored credentials have no TTL. The clock-skew allowance is wider than Fernet's 60 s default,
/// <see cref="MaxClockSkew"/>, because a Server whose clock stepped back must not lose access to
/// credentials saved moments earlier by another instance.
/// </remarks>
public static class CredentialSealer
{
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public static string Seal(MultiFernet keys, CredentialEnvelope envelope, DateTimeOffset now, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(envelope);
        var plaintext = envelope.ToUtf8Json();
        try
        {
            return keys.Encrypt(plaintext, now, iv);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Decrypts <paramref name="token"/> and returns its data if it was sealed for this user, id and type.</summary>
    /// <exception cref="FernetException">The token is malformed, under no key, or from the future.</exception>
    /// <exception cref="CredentialException"><c>credential.binding_mismatch</c> or <c>credential.envelope_invalid</c>.</exception>
    public static CredentialData Unseal(
        MultiFernet keys,
        string token,
        string expectedUserId,
        Guid expectedCredentialId,
        CredentialType expectedType,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(expectedUserId);
        var plaintext = keys.Decrypt(token, now, ttl: null, MaxClockSkew);
        try
        {
            var (userId, credentialId, type, data) = CredentialEnvelope.ReadFields(plaintext);
            if (!string.Equals(userId, expectedUserId, StringComparison.Ordinal))
            {
                throw CredentialException.BindingMismatch("user_id");
            }

            if (credentialId != expectedCredentialId)
            {
                throw CredentialException.BindingMismatch("credential_id");
            }

            if (type != expectedType)
            {
                throw CredentialException.BindingMismatch("credential_type");
            }

            return ParseStoredData(type, data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static CredentialData ParseStoredData(CredentialType type, JsonNode? data)
    {
        try
        {
            return CredentialData.Parse(type, data);
        }
        catch (CredentialException ex) when (ex.Code == CredentialErrorCodes.DataInvalid)
        {
            // Stored data that no longer passes its shape is a server-side problem, not the caller's input.
            throw CredentialException.EnvelopeInvalid("its data no longer matches the credential type's shape", ex);
        }
    }
}
