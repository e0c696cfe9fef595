using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Audit;

/// <summary>What an audit entry says: who did what to which target, why, and with what data.</summary>
public sealed record AuditContent(
    long Sequence,
    DateTimeOffset Timestamp,
    string Actor,
    string Action,
    string Target,
    string Reason,
    JsonObject? Data);

/// <summary>An entry as stored: its content, the hash of the entry before it, and its own hash.</summary>
public sealed record ChainedAuditEntry(AuditContent Content, string PreviousHash, string Hash);

/// <summary>What the next entry links to: the last entry's sequence and hash (<see cref="Genesis"/> before the first entry).</summary>
public sealed record AuditChainHead(long Sequence, string Hash)
{
    public static AuditChainHead Genesis { get; } = new(0, AuditChain.GenesisHash);
}

/// <summary>The first place a chain stops verifying, and why (<see cref="Problem"/> is one of <see cref="AuditChainProblemCodes"/>).</summary>
public sealed record AuditChainBreak(long Sequence, string Problem, string Detail);

/// <summary>The stable codes of <see cref="AuditChainBreak.Problem"/>.</summary>
public static class AuditChainProblemCodes
{
    /// <summary>An entry's sequence is not the one after its predecessor: an entry was deleted or moved.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string SequenceGap = "audit.sequence_gap";

    /// <summary>An entry does not point at the hash of the entry before it.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string LinkBroken = "audit.link_broken";

    /// <summary>An entry's content no longer matches its hash: it was edited.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string HashMismatch = "audit.hash_mismatch";
}

public sealed record AuditVerification(bool Intact, long EntriesChecked, string HeadHash, AuditChainBreak? FirstBreak);

/// <summary>
/// The tamper-evident chain: entry n hashes entry n-1's hash together with a canonical JSON of its
/// own content. Editing an entry breaks its hash; deleting or reordering entries breaks the
/// sequence or the link. Pure: the caller supplies the entries in stored order.
/// </summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first entry.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Timestamps are hashed at millisecond precision, which every database stores exactly.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset timestamp)
    {
        var utc = timestamp.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static string ComputeHash(string previousHash, AuditContent content)
    {
        var payload = new JsonObject
        {
            ["sequence"] = content.Sequence,
            ["timestamp"] = Normalize(content.Timestamp).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["actor"] = content.Actor,
            ["action"] = content.Action,
            ["target"] = content.Target,
            ["reason"] = content.Reason,
            ["data"] = content.Data?.DeepClone(),
        };
        var bytes = Encoding.UTF8.GetBytes(previousHash + "\n" + CanonicalJson.Serialize(payload));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public static ChainedAuditEntry Append(ChainedAuditEntry? head, AuditContent content) =>
        AppendAfter(head is null ? AuditChainHead.Genesis : new AuditChainHead(head.Content.Sequence, head.Hash), content);

    /// <summary>The entry after <paramref name="head"/>: only its sequence and hash take part in the link.</summary>
    public static ChainedAuditEntry AppendAfter(AuditChainHead head, AuditContent content)
    {
        var expected = head.Sequence + 1;
        if (content.Sequence != expected)
        {
            throw new ArgumentException($"The next sequence number is {expected}, not {content.Sequence}.", nameof(content));
        }

        var previous = head.Hash;
        var normalized = content with { Timestamp = Normalize(content.Timestamp) };
        return new ChainedAuditEntry(normalized, previous, ComputeHash(previous, normalized));
    }

    /// <summary>Checks entries given in ascending stored order, from the first entry ever written.</summary>
    public static AuditVerification Verify(IEnumerable<ChainedAuditEntry> entries) => Verify(entries, GenesisHash, 1);

    /// <summary>
    /// Checks a stretch of the chain given in ascending order: it must start at <paramref name="firstSequence"/>, link to
    /// <paramref name="previousHash"/> (the hash of the entry before it) and verify from there (an archived export file).
    /// </summary>
    public static AuditVerification Verify(IEnumerable<ChainedAuditEntry> entries, string previousHash, long firstSequence)
    {
        long expectedSequence = firstSequence;
        long checkedCount = 0;
        foreach (var entry in entries)
        {
            var problem = FindProblem(entry, expectedSequence, previousHash);
            if (problem is not null)
            {
                return new AuditVerification(false, checkedCount, previousHash, problem);
            }

            previousHash = entry.Hash;
            expectedSequence++;
            checkedCount++;
        }

        return new AuditVerification(true, checkedCount, previousHash, null);
    }

    private static AuditChainBreak? FindProblem(ChainedAuditEntry entry, long expectedSequence, string previousHash)
    {
        var sequence = entry.Content.Sequence;
        if (sequence != expectedSequence)
        {
            return new AuditChainBreak(sequence, AuditChainProblemCodes.SequenceGap, $"expected entry {expectedSequence}, found {sequence}: an entry was deleted or moved");
        }

        if (!string.Equals(entry.PreviousHash, previousHash, StringComparison.Ordinal))
        {
            return new AuditChainBreak(sequence, AuditChainProblemCodes.LinkBroken, "the entry does not point at the hash of the entry before it");
        }

        var recomputed = ComputeHash(entry.PreviousHash, entry.Content);
        return string.Equals(recomputed, entry.Hash, StringComparison.Ordinal)
            ? null
            : new AuditChainBreak(sequence, AuditChainProblemCodes.HashMismatch, "the entry's content no longer matches its hash: it was edited");
    }
}
