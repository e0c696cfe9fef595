using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace ControlTower.Core.Tests.Crypto;

public sealed class SecretRedactorTests(ITestOutputHelper output)
{
    [Fact]
    public void Redact_WhenJsonStringValuesAreNotDotNetStrings_RedactsWithoutThrowing()
    {
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var redactor = new SecretRedactor(["70867728950e"]);
        var tree = new System.Text.Json.Nodes.JsonObject { ["id"] = id, ["at"] = new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc), ["c"] = 'x' };

        var redacted = redactor.Redact(tree)!;

        Assert.Equal("0f8fad5b-d9cb-469f-a165-***", redacted["id"]!.GetValue<string>());
        Assert.Equal("2026-11-21T00:00:00Z", redacted["at"]!.GetValue<string>());
        Assert.Equal("x", redacted["c"]!.GetValue<string>());
    }

    [Fact]
    public void Redact_WhenSecretOccursSeveralTimes_MasksEachOccurrence()
    {
        var redactor = new SecretRedactor(["tok-123456"]);

        var result = redactor.Redact("a tok-123456 b tok-123456tok-123456 c");

        Assert.Equal("a *** b ****** c", result);
    }

    [Fact]
    public void Redact_WhenSecretIsShorterThanMinimum_LeavesItAlone()
    {
        var redactor = new SecretRedactor(["12345", "", "admin"]);

        Assert.Equal(0, redactor.SecretCount);
        Assert.Equal("admin 12345", redactor.Redact("admin 12345"));
    }

    [Fact]
    public void Redact_WhenSecretsOverlap_MasksTheirUnionOnce()
    {
        var redactor = new SecretRedactor(["abcdef", "defghi"]);

        Assert.Equal("xx***yy", redactor.Redact("xxabcdefghiyy"));
    }

    [Fact]
    public void Redact_WhenOneSecretContainsAnother_MasksTheLongerWhole()
    {
        var redactor = new SecretRedactor(["long-secret-value", "secret"]);

        Assert.Equal("[***] [***]", redactor.Redact("[long-secret-value] [secret]"));
    }

    [Fact]
    public void Redact_WhenShorterSecretStartsBeforeLongerOneEnds_MasksWholeChain()
    {
        // "zzzabc" starts inside "xyzzzz": spans chain across three secrets.
        var redactor = new SecretRedactor(["xyzzzz", "zzzabc", "abc123"]);

        Assert.Equal("<***>", redactor.Redact("<xyzzzzabc123>"));
    }

    [Fact]
    public void Redact_WhenNothingMatches_ReturnsSameInstance()
    {
        var redactor = new SecretRedactor(["tok-123456"]);
        var text = "nothing secret here, tok-12345 is one short";

        Assert.Same(text, redactor.Redact(text));
        Assert.False(redactor.ContainsSecret(text));
        Assert.True(redactor.ContainsSecret("x tok-123456"));
    }

    [Fact]
    public void Redact_WhenSecretAppearsJsonEscapedInSerializedText_MasksIt()
    {
        const string secret = "pa\"ss\\wörd+<1>";
        var redactor = new SecretRedactor([secret]);
        var logLine = JsonSerializer.Serialize(new { password = secret });
        var relaxed = JsonSerializer.Serialize(new { password = secret }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        Assert.Equal("{\"password\":\"***\"}", redactor.Redact(logLine));
        Assert.Equal("{\"password\":\"***\"}", redactor.Redact(relaxed));
    }

    [Fact]
    public void Redact_WhenGivenJsonTree_MasksStringsNamesAndNumbersWithoutChangingInput()
    {
        var redactor = new SecretRedactor(["sk_live_abcdef", "987654321"]);
        var input = JsonNode.Parse("""
            {"user":"ann","auth":{"header":"Bearer sk_live_abcdef"},
             "list":["ok","sk_live_abcdef",{"deep":["x-sk_live_abcdef-y"]}],
             "pin":987654321,"count":3,"flag":true,"none":null,
             "sk_live_abcdef":"as a name","sk_live_abcdef ":"another name"}
            """);
        var before = input!.ToJsonString();

        var result = redactor.Redact(input)!;

        Assert.Equal(before, input.ToJsonString());
        Assert.Equal("Bearer ***", result["auth"]!["header"]!.GetValue<string>());
        Assert.Equal("***", result["list"]![1]!.GetValue<string>());
        Assert.Equal("x-***-y", result["list"]![2]!["deep"]![0]!.GetValue<string>());
        Assert.Equal("***", result["pin"]!.GetValue<string>());
        Assert.Equal(3, result["count"]!.GetValue<int>());
        Assert.True(result["flag"]!.GetValue<bool>());
        Assert.Null(result["none"]);
        Assert.Equal("as a name", result["***"]!.GetValue<string>());
        Assert.Equal("another name", result["*** "]!.GetValue<string>());
        Assert.DoesNotContain("sk_live_abcdef", result.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_WhenTwoNamesCollapseToSameMask_KeepsBoth()
    {
        var redactor = new SecretRedactor(["secret-one", "secret-two"]);

        var result = redactor.Redact(JsonNode.Parse("{\"secret-one\":1,\"secret-two\":2}"))!.AsObject();

        Assert.Equal(2, result.Count);
        Assert.Equal(1, result["***"]!.GetValue<int>());
        Assert.Equal(2, result["***#2"]!.GetValue<int>());
    }

    [Fact]
    public void With_WhenMoreSecretsAdded_MasksOldAndNew()
    {
        var first = new SecretRedactor(["first-secret"]);

        var both = first.With(["second-secret"]);

        Assert.Equal("*** ***", both.Redact("first-secret second-secret"));
        Assert.Equal("*** second-secret", first.Redact("first-secret second-secret"));
    }

    [Fact]
    public void Redact_WhenManySecretsAndLongText_IsLinearAndComplete()
    {
        var secrets = Enumerable.Range(0, 5_000).Select(i => $"secret-{i:D6}-{i * 7919 % 10007:D5}").ToArray();
        var redactor = new SecretRedactor(secrets);
        var text = new StringBuilder();
        for (var i = 0; i < 40_000; i++)
        {
            text.Append("log line ").Append(i).Append(" value=").Append(secrets[i * 31 % secrets.Length]).Append(" secret-0000 ");
        }

        var watch = Stopwatch.StartNew();
        var result = redactor.Redact(text.ToString());
        watch.Stop();

        output.WriteLine($"redacted {text.Length:N0} chars against {secrets.Length:N0} secrets in {watch.ElapsedMilliseconds} ms");
        Assert.DoesNotContain("value=secret-", result, StringComparison.Ordinal);
        Assert.Equal(40_000, CountOccurrences(result, "value=***"));
        Assert.Equal(40_000, CountOccurrences(result, " secret-0000 "));
    }

    [Fact]
    public void Redact_WhenCalledFromManyThreads_GivesSameResult()
    {
        var redactor = new SecretRedactor(["shared-secret-1", "shared-secret-2"]);
        var text = string.Concat(Enumerable.Repeat("a shared-secret-1 b shared-secret-2 ", 200));
        var expected = redactor.Redact(text);

        var results = new string[64];
        Parallel.For(0, results.Length, i => results[i] = redactor.Redact(text));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Redact_WhenComparedWithNaiveSpanUnion_AgreesOnRandomInputs()
    {
        // A two-letter alphabet makes overlaps and nesting frequent.
        var letters = Gen.Elements('a', 'b');
        var word = from length in Gen.Choose(SecretRedactor.MinSecretLength - 1, 9)
                   from chars in Gen.ArrayOf(letters, length)
                   select new string(chars);
        var cases = from secrets in Gen.ListOf(word).Select(l => l.Take(6).ToArray())
                    from text in Gen.ArrayOf(Gen.Elements('a', 'b', '.')).Select(c => new string(c))
                    select (secrets, text);
        var tested = 0;

        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            tested++;
            return new SecretRedactor(c.secrets).Redact(c.text) == NaiveRedact(c.secrets, c.text);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));

        output.WriteLine($"redactor vs naive: {tested} cases");
    }

    private static string NaiveRedact(IEnumerable<string> secrets, string text)
    {
        var spans = new List<(int Start, int End)>();
        foreach (var secret in secrets.Where(s => s.Length >= SecretRedactor.MinSecretLength))
        {
            for (var i = text.IndexOf(secret, StringComparison.Ordinal); i >= 0; i = text.IndexOf(secret, i + 1, StringComparison.Ordinal))
            {
                spans.Add((i, i + secret.Length));
            }
        }

        var merged = new List<(int Start, int End)>();
        foreach (var span in spans.OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && span.Start < merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, span.End));
            }
            else
            {
                merged.Add(span);
            }
        }

        var result = new StringBuilder();
        var position = 0;
        foreach (var (start, end) in merged)
        {
            result.Append(text, position, start - position).Append(SecretRedactor.Mask);
            position = end;
        }

        return result.Append(text, position, text.Length - position).ToString();
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
