using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Json;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Trust.Learning;

/// <summary>
/// <c>controltower trust evaluate --train TRAIN.jsonl --score SCORE.jsonl --out PRED.jsonl [--seed N]</c>: trains the three
/// trust models on TRAIN and writes one prediction per SCORE line, in SCORE order. Needs no database or configuration.
/// Histories come from one time-ordered pass over both files: a line sees the labels of the lines before it (as
/// production would), never its own. Every bad line is reported with its file and line number (exit 2, nothing written).
/// </summary>
internal static class TrustEvaluateCommand
{
    private static readonly string[] ScopeFields = ["tenant", "site", "queue", "actionType", "role"];

    public static Command Create()
    {
        var train = new Option<FileInfo>("--train") { Required = true, Description = "Labelled events (JSON lines) to train on." };
        var score = new Option<FileInfo>("--score") { Required = true, Description = "Events (JSON lines) to predict; their own labels are not used for their own predictions." };
        var output = new Option<FileInfo>("--out") { Required = true, Description = "Where to write one prediction per score line (JSON lines)." };
        var seed = new Option<int>("--seed") { Description = "The training seed.", DefaultValueFactory = _ => 42 };
        var evaluate = new Command("evaluate", "Train the trust models on one file and score another.") { Options = { train, score, output, seed } };
        evaluate.SetAction((parse, ct) => RunAsync(parse.GetValue(train)!, parse.GetValue(score)!, parse.GetValue(output)!, parse.GetValue(seed), ct));
        return new Command("trust", "The learned trust models.") { Subcommands = { evaluate } };
    }

    private static async Task<int> RunAsync(FileInfo trainFile, FileInfo scoreFile, FileInfo outFile, int seed, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var train = await ReadAsync(trainFile, errors, cancellationToken);
        var score = await ReadAsync(scoreFile, errors, cancellationToken);
        foreach (var duplicate in score.GroupBy(l => l.Example.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.AddRange(duplicate.Skip(1).Select(l => $"{scoreFile.Name}:{l.Line}: id '{duplicate.Key}' appears more than once"));
        }

        if (errors.Count > 0 || train.Count == 0)
        {
            if (train.Count == 0 && errors.Count == 0)
            {
                errors.Add($"{trainFile.Name}: no events to train on");
            }

            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync(error);
            }

            await Console.Error.WriteLineAsync($"controltower: {errors.Count} bad input line(s); nothing written ({TrustLearningErrorCodes.EvaluateInputInvalid})");
            return 2;
        }

        var (trainExamples, scoreProposals) = WithHistories(train, score);
        var options = Options.Create(new TrustLearningOptions { Seed = seed });
        var trainedAt = trainExamples.Max(e => e.Proposal.At);
        var result = new TrustModelTrainer(options).Train(trainExamples, new TrustTrainingRequest(seed, trainedAt, $"trust evaluate --train {trainFile.Name}"));
        var predictor = new TrustPredictor(options);
        predictor.Use(result.Models);
        foreach (var model in result.Models.All)
        {
            await Console.Error.WriteLineAsync($"trained {model.Version} on {model.Manifest.Dataset.Rows} rows (held-out AUC " +
                $"{Format(model.Manifest.Metrics.Auc)}, ECE {Format(model.Manifest.Metrics.Ece)})");
        }

        foreach (var reason in result.Skipped)
        {
            await Console.Error.WriteLineAsync($"cold start (documented prior) for {reason}");
        }

        await using var writer = new StreamWriter(outFile.FullName, append: false);
        foreach (var (id, proposal) in scoreProposals)
        {
            var predictions = predictor.Predict(proposal);
            var line = new JsonObject
            {
                ["id"] = id,
                ["approval"] = Math.Round(predictions.Approval.Probability, 6),
                ["success"] = Math.Round(predictions.Success.Probability, 6),
                ["anomaly"] = Math.Round(predictions.Anomaly.Score, 6),
                ["anomalous"] = predictions.Anomaly.Anomalous,
            };
            await writer.WriteLineAsync(line.ToJsonString().AsMemory(), cancellationToken);
        }

        await Console.Error.WriteLineAsync($"wrote {scoreProposals.Count} predictions to {outFile.Name}");
        return 0;
    }

    /// <summary>
    /// One pass over both files in time order (train before score at equal times, then file order): each line's history
    /// is taken before its own labels are recorded. Score predictions come back in score-file order.
    /// </summary>
    private static (List<TrustExample> Train, List<(string Id, TrustProposal Proposal)> Score) WithHistories(List<InputLine> train, List<InputLine> score)
    {
        var builder = new ScopeHistoryBuilder();
        var trainExamples = new List<TrustExample>();
        var scored = new TrustProposal[score.Count];
        var all = train.Select((l, i) => (Line: l, IsScore: false, Index: i)).Concat(score.Select((l, i) => (Line: l, IsScore: true, Index: i)));
        foreach (var (line, isScore, index) in all.OrderBy(x => x.Line.Example.Proposal.At))
        {
            var example = line.Example;
            var proposal = example.Proposal with { History = builder.Before(example.Proposal.Scope, example.Proposal.At) };
            if (isScore)
            {
                scored[index] = proposal;
            }
            else
            {
                trainExamples.Add(example with { Proposal = proposal });
            }

            builder.Record(proposal.Scope, proposal.At, example.Approved, example.Succeeded);
        }

        return (trainExamples, [.. score.Select((l, i) => (l.Example.Id, scored[i]))]);
    }

    private static async Task<List<InputLine>> ReadAsync(FileInfo file, List<string> errors, CancellationToken cancellationToken)
    {
        var lines = new List<InputLine>();
        if (!file.Exists)
        {
            errors.Add($"{file.Name}: file not found ({file.FullName})");
            return lines;
        }

        var number = 0;
        await foreach (var text in File.ReadLinesAsync(file.FullName, cancellationToken))
        {
            number++;
            var (example, problem) = Parse(text);
            if (problem is not null)
            {
                errors.Add($"{file.Name}:{number}: {problem}");
            }
            else
            {
                lines.Add(new InputLine(number, example!));
            }
        }

        return lines;
    }

    private static (TrustExample? Example, string? Problem) Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "empty line");
        }

        JsonObject line;
        try
        {
            line = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            return (null, $"not a JSON object ({e.Message})");
        }

        if (Text(line["id"]) is not { Length: > 0 } id)
        {
            return (null, "'id' must be a non-empty string");
        }

        if (Text(line["ts"]) is not { } ts || !DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return (null, "'ts' must be an ISO 8601 timestamp");
        }

        if (line["scope"] is not JsonObject scope)
        {
            return (null, "'scope' must be an object");
        }

        if (ScopeFields.FirstOrDefault(f => Text(scope[f]) is null) is { } missing)
        {
            return (null, $"'scope.{missing}' must be a string");
        }

        if (line["context"] is not JsonObject context)
        {
            return (null, "'context' must be an object");
        }

        var (approved, approvedOk) = Flag(line, "approved");
        var (succeeded, succeededOk) = Flag(line, "succeeded");
        if (!approvedOk || !succeededOk)
        {
            return (null, $"'{(approvedOk ? "succeeded" : "approved")}' must be true, false or null");
        }

        var trustScope = new TrustScope(Text(scope["tenant"])!, Text(scope["site"])!, Text(scope["queue"])!, Text(scope["actionType"])!, Text(scope["role"])!);
        var proposal = new TrustProposal(trustScope, (JsonObject)context.DeepClone(), at, new ScopeHistory(0, null, 0, null));
        return (new TrustExample(id, proposal, approved, succeeded), null);
    }

    private static (bool? Value, bool Ok) Flag(JsonObject line, string name) => line[name] switch
    {
        null => (null, true),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => (v.GetValue<bool>(), true),
        _ => (null, false),
    };

    private static string? Text(JsonNode? node) => JsonValues.Text(node);

    private static string Format(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a";

    private sealed record InputLine(int Line, TrustExample Example);
}
