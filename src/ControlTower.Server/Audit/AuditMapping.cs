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

    /// <summary>An entry as the export writes it (one JSONL line) back into the chain's terms, to verify an export file.</summary>
    public static ChainedAuditEntry FromResponse(AuditEntryResponse line) => new(
        new AuditContent(line.Sequence, line.Timestamp, line.Actor, line.Action, line.Target, line.Reason, line.Data),
        line.PreviousHash,
        line.Hash);

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
