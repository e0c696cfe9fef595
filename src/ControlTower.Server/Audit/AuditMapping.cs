using System.Text.Json.Nodes;
using ControlTower.Core.Audit;

namespace ControlTower.Server.Audit;

internal static class AuditMapping
{
    public static ChainedAuditEntry ToChained(AuditEntryEntity row) => new(
        new AuditContent(
            row.Sequence,
            new DateTimeOffset(row.Timestamp, TimeSpan.Zero),
            row.Actor,
            row.Action,
            row.Target,
            row.Reason,
            row.Data is null ? null : JsonNode.Parse(row.Data)?.AsObject()),
        row.PreviousHash,
        row.Hash);

    public static AuditEntryEntity ToEntity(ChainedAuditEntry entry) => new()
    {
        Sequence = entry.Content.Sequence,
        Timestamp = entry.Content.Timestamp.UtcDateTime,
        Actor = entry.Content.Actor,
        Action = entry.Content.Action,
        Target = entry.Content.Target,
        Reason = entry.Content.Reason,
        Data = entry.Content.Data is null ? null : CanonicalJson.Serialize(entry.Content.Data),
        PreviousHash = entry.PreviousHash,
        Hash = entry.Hash,
    };

    public static AuditEntryResponse ToResponse(AuditEntryEntity row) => new(
        row.Sequence,
        new DateTimeOffset(row.Timestamp, TimeSpan.Zero),
        row.Actor,
        row.Action,
        row.Target,
        row.Reason,
        row.Data is null ? null : JsonNode.Parse(row.Data)?.AsObject(),
        row.PreviousHash,
        row.Hash);
}

internal sealed record AuditEntryResponse(
    long Sequence,
    DateTimeOffset Timestamp,
    string Actor,
    string Action,
    string Target,
    string Reason,
    JsonObject? Data,
    string PreviousHash,
    string Hash);
