using System.Text.Json.Nodes;
using ControlTower.Core.Audit;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Verify_WhenChainIsUntouched_IsIntactWithHead()
    {
        var entries = Build(5);

        var result = AuditChain.Verify(entries);

        Assert.True(result.Intact);
        Assert.Equal(5, result.EntriesChecked);
        Assert.Equal(entries[^1].Hash, result.HeadHash);
    }

    [Fact]
    public void Verify_WhenDataIsEdited_ReportsHashMismatch()
    {
        var entries = Build(4);
        entries[2] = entries[2] with { Content = entries[2].Content with { Data = new JsonObject { ["amount"] = 999 } } };

        var result = AuditChain.Verify(entries);

        Assert.Equal(new AuditChainBreak(3, AuditChainProblemCodes.HashMismatch, result.FirstBreak!.Detail), result.FirstBreak);
    }

    [Fact]
    public void Verify_WhenEntryRemoved_ReportsSequenceGap()
    {
        var entries = Build(4);
        entries.RemoveAt(1);

        var result = AuditChain.Verify(entries);

        Assert.Equal(AuditChainProblemCodes.SequenceGap, result.FirstBreak!.Problem);
        Assert.Equal(3, result.FirstBreak.Sequence);
    }

    [Fact]
    public void Verify_WhenEntryRehashedAfterEdit_ReportsBrokenLinkAtTheNext()
    {
        var entries = Build(4);
        var edited = entries[1].Content with { Reason = "rewritten" };
        entries[1] = entries[1] with { Content = edited, Hash = AuditChain.ComputeHash(entries[1].PreviousHash, edited) };

        var result = AuditChain.Verify(entries);

        Assert.Equal(AuditChainProblemCodes.LinkBroken, result.FirstBreak!.Problem);
        Assert.Equal(3, result.FirstBreak.Sequence);
    }

    [Fact]
    public void Append_WhenSequenceSkips_Throws()
    {
        var first = AuditChain.Append(null, Content(1));

        Assert.Throws<ArgumentException>(() => AuditChain.Append(first, Content(3)));
    }

    [Fact]
    public void AppendAfter_WhenGivenOnlyTheHeadsSequenceAndHash_LinksAsAppendingToTheWholeEntry()
    {
        var first = AuditChain.Append(null, Content(1));

        var fromHead = AuditChain.AppendAfter(new AuditChainHead(first.Content.Sequence, first.Hash), Content(2));

        var fromEntry = AuditChain.Append(first, Content(2));
        Assert.Equal((fromEntry.PreviousHash, fromEntry.Hash), (fromHead.PreviousHash, fromHead.Hash));
        Assert.Equal(first.Hash, AuditChain.AppendAfter(AuditChainHead.Genesis, Content(1)).Hash);
        Assert.True(AuditChain.Verify([first, fromHead]).Intact);
        Assert.Throws<ArgumentException>(() => AuditChain.AppendAfter(new AuditChainHead(5, first.Hash), Content(2)));
    }

    [Fact]
    public void ComputeHash_WhenObjectKeysAreReordered_IsTheSame()
    {
        var a = Content(1) with { Data = new JsonObject { ["b"] = 1, ["a"] = new JsonObject { ["y"] = "é", ["x"] = null } } };
        var b = Content(1) with { Data = new JsonObject { ["a"] = new JsonObject { ["x"] = null, ["y"] = "é" }, ["b"] = 1 } };

        Assert.Equal(AuditChain.ComputeHash(AuditChain.GenesisHash, a), AuditChain.ComputeHash(AuditChain.GenesisHash, b));
    }

    [Fact]
    public void ComputeHash_WhenTimeDiffersBelowAMillisecond_IsTheSame()
    {
        var a = Content(1);
        var b = a with { Timestamp = a.Timestamp.AddTicks(9_999) };

        Assert.Equal(AuditChain.ComputeHash(AuditChain.GenesisHash, a), AuditChain.ComputeHash(AuditChain.GenesisHash, b));
    }

    [Fact]
    public void Verify_WhenAnySingleEntryIsAltered_DetectsIt()
    {
        var property = Prop.ForAll(
            Gen.Choose(2, 30).SelectMany(n => Gen.Choose(0, n - 1).Select(i => (n, i))).ToArbitrary(),
            pair =>
            {
                var (count, index) = pair;
                var entries = Build(count);
                entries[index] = entries[index] with { Content = entries[index].Content with { Actor = "mallory" } };
                var result = AuditChain.Verify(entries);
                return !result.Intact && result.FirstBreak!.Sequence == index + 1;
            });

        property.QuickCheckThrowOnFailure();
    }

    private static AuditContent Content(long sequence) => new(
        sequence,
        Start.AddMinutes(sequence),
        "user:pat",
        "refill.approved",
        $"refill:{sequence}",
        "the prescriber approved",
        new JsonObject { ["sequence"] = sequence });

    private static List<ChainedAuditEntry> Build(int count)
    {
        var entries = new List<ChainedAuditEntry>();
        ChainedAuditEntry? head = null;
        for (var i = 1; i <= count; i++)
        {
            head = AuditChain.Append(head, Content(i));
            entries.Add(head);
        }

        return entries;
    }
}
