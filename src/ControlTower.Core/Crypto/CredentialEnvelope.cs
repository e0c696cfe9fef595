using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Crypto;

/// <summary>
/// The plaintext sealed into a credential's Fernet token:
/// <c>{"v":1,"user_id":…,"credential_id":…,"credential_type":…,"data":{…}}</c>. It binds the secret
/// to its owner, its row and its type, so a token copied into another row cannot be used there.
/// </summary>
public sealed record CredentialEnvelope
{
    public const int CurrentVersion = 1;

    public CredentialEnvelope(string userId, Guid credentialId, CredentialData data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(data);
        UserId = userId;
        CredentialId = credentialId;
        Data = data;
    }

    public string UserId { get; }

    public Guid CredentialId { get; }

    public CredentialType Type => Data.Type;

    public CredentialData Data { get; }

    internal byte[] ToUtf8Json()
    {
        var json = new JsonObject
        {
            ["v"] = CurrentVersion,
            ["user_id"] = UserId,
            ["credential_id"] = CredentialId.ToString("D"),
            ["credential_type"] = Type.ToWireName(),
            ["data"] = Data.ToJson(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    /// <summary>Reads an authenticated plaintext; binding is checked by the caller before <c>data</c> is parsed.</summary>
    internal static (string UserId, Guid CredentialId, CredentialType Type, JsonNode? Data) ReadFields(byte[] utf8Json)
    {
        JsonObject envelope;
        try
        {
            envelope = JsonNode.Parse(utf8Json) as JsonObject ?? throw CredentialException.EnvelopeInvalid("not a JSON object");
        }
        catch (JsonException ex)
        {
            throw CredentialException.EnvelopeInvalid("not JSON", ex);
        }

        var version = envelope["v"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
        if (version != CurrentVersion)
        {
            throw CredentialException.EnvelopeInvalid($"unsupported version (expected {CurrentVersion})");
        }

        var userId = StringField(envelope, "user_id");
        var credentialId = Guid.TryParseExact(StringField(envelope, "credential_id"), "D", out var id)
            ? id
            : throw CredentialException.EnvelopeInvalid("credential_id is not a UUID");
        var type = CredentialTypes.TryParse(StringField(envelope, "credential_type"), out var t)
            ? t
            : throw CredentialException.EnvelopeInvalid("unknown credential_type");
        return (userId, credentialId, type, envelope["data"]);
    }

    private static string StringField(JsonObject envelope, string name) =>
        envelope[name] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw CredentialException.EnvelopeInvalid($"{name} is missing");
}
