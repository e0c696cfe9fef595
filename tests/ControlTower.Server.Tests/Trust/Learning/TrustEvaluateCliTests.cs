using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Trust.Learning;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Trust.Learning;

/// <summary><c>controltower trust evaluate</c> as a real process on a generated stream.</summary>
public sealed class TrustEvaluateCliTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("controltower-trust-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static IReadOnlyList<SyntheticEvent> Stream() =>
        SyntheticTrustStream.Generate(SyntheticShape.Stationary with { AnomalyRate = 0.03 }, 900, 21, Start);

    private static JsonObject Line(SyntheticEvent e, bool flipLabels = false)
    {
        var example = e.Example;
        var p = example.Proposal;
        return new JsonObject
        {
            ["id"] = example.Id,
            ["ts"] = p.At.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["scope"] = new JsonObject { ["tenant"] = p.Scope.Tenant, ["site"] = p.Scope.Site, ["queue"] = p.Scope.Queue, ["actionType"] = p.Scope.ActionType, ["role"] = p.Scope.Role },
            ["context"] = p.Context.DeepClone(),
            ["approved"] = flipLabels ? !example.Approved : example.Approved,
            ["succeeded"] = flipLabels ? (example.Succeeded is null ? true : null) : example.Succeeded,
        };
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private async Task<(ProcessResult Result, List<JsonObject> Predictions)> EvaluateAsync(string train, string score, string output)
    {
        var result = await ControlTowerProcess.RunAsync(["trust", "evaluate", "--train", train, "--score", score, "--out", output, "--seed", "5"],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(4));
        var predictions = File.Exists(output) ? File.ReadAllLines(output).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList() : [];
        return (result, predictions);
    }

    [Fact]
    public async Task Evaluate_WhenInputIsGood_WritesOnePredictionPerScoreLineInOrder()
    {
        var events = Stream();
        var train = Write("train.jsonl", events.Take(700).Select(e => Line(e).ToJsonString()));
        var scoreEvents = events.Skip(700).Reverse().ToList();
        var score = Write("score.jsonl", scoreEvents.Select(e => Line(e).ToJsonString()));

        var (result, predictions) = await EvaluateAsync(train, score, Path.Combine(_folder.FullName, "pred.jsonl"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(scoreEvents.Select(e => e.Example.Id), predictions.Select(p => p["id"]!.GetValue<string>()));
        Assert.All(predictions, p => Assert.Equal(["id", "approval", "success", "anomaly", "anomalous"], p.Select(kv => kv.Key)));
        Assert.All(predictions, p => Assert.InRange(p["approval"]!.GetValue<double>(), 0, 1));
        Assert.All(predictions, p => Assert.InRange(p["anomaly"]!.GetValue<double>(), 0, 1));
        Assert.Contains("trained approval-", result.StandardError, StringComparison.Ordinal);
        var approvals = predictions.Select(p => p["approval"]!.GetValue<double>()).ToList();
        var truth = scoreEvents.Select(e => e.Example.Approved!.Value).ToList();
        Assert.True(TrustMetrics.Auc(approvals, truth) > 0.6, "the approval predictions rank approvals above rejections");
        var anomalyScores = predictions.Select(p => p["anomaly"]!.GetValue<double>()).ToList();
        var injected = scoreEvents.Select(e => e.Anomaly is not null).ToList();
        Assert.Contains(true, injected);
        Assert.True(TrustMetrics.Auc(anomalyScores, injected) > 0.9, "injected anomalies score above normal events");
        var normalFlagged = predictions.Where((p, i) => !injected[i] && p["anomalous"]!.GetValue<bool>()).Count();
        Assert.True(normalFlagged <= injected.Count(a => !a) * 0.05, $"{normalFlagged} normal events flagged");
    }

    [Fact]
    public async Task Evaluate_WhenAScoreLinesOwnLabelsChange_ItsPredictionAndEarlierOnesDoNot()
    {
        var events = Stream();
        var train = Write("train.jsonl", events.Take(700).Select(e => Line(e).ToJsonString()));
        var scoreEvents = events.Skip(700).Take(120).ToList();
        var flipped = 60;
        var original = Write("score.jsonl", scoreEvents.Select(e => Line(e).ToJsonString()));
        var changed = Write("score-flipped.jsonl", scoreEvents.Select((e, i) => Line(e, flipLabels: i >= flipped).ToJsonString()));

        var (first, a) = await EvaluateAsync(train, original, Path.Combine(_folder.FullName, "a.jsonl"));
        var (second, b) = await EvaluateAsync(train, changed, Path.Combine(_folder.FullName, "b.jsonl"));

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.StandardError + second.StandardError);
        Assert.Equal(a.Take(flipped + 1).Select(p => p.ToJsonString()), b.Take(flipped + 1).Select(p => p.ToJsonString()));
    }

    [Fact]
    public async Task Evaluate_WhenLinesAreBad_ReportsEachWithItsLineNumberAndWritesNothing()
    {
        var events = Stream();
        var train = Write("train.jsonl", events.Take(300).Select(e => Line(e).ToJsonString()));
        var good = events.Skip(300).Take(5).Select(e => Line(e)).ToList();
        good[1].Remove("scope");
        good[3]["ts"] = "yesterday";
        var lines = good.Select(l => l.ToJsonString()).ToList();
        lines.Insert(2, "{not json");
        var score = Write("score.jsonl", lines);
        var output = Path.Combine(_folder.FullName, "pred.jsonl");

        var (result, predictions) = await EvaluateAsync(train, score, output);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("score.jsonl:2: 'scope' must be an object", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("score.jsonl:3: not a JSON object", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("score.jsonl:5: 'ts' must be an ISO 8601 timestamp", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("trust.evaluate_input_invalid", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("score.jsonl:1:", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(predictions);
    }
}
