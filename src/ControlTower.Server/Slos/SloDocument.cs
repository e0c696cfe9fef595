using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlTower.Server.Slos;

/// <summary>What an SLO measures: the share of finished runs that completed, or the share of completed runs under a threshold.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SloKind>))]
internal enum SloKind
{
    [JsonStringEnumMemberName("availability")]
    Availability,

    [JsonStringEnumMemberName("latency")]
    Latency,
}

/// <summary>One objective: global (no workflow) or one workflow's; <see cref="Objective"/> is a share such as 0.99.</summary>
internal sealed record SloDefinition(string Id, SloKind Kind, double Objective, Guid? WorkflowId = null, double? LatencyThresholdMs = null, int PeriodDays = 30);

/// <summary>A webhook alerts are posted to, signed with HMAC-SHA256 by the secret read from the setting <see cref="SecretSetting"/>.</summary>
internal sealed record NotificationTarget(string Name, Uri Url, string SecretSetting);

/// <summary>The SLO file: a schema version, the objectives and where alerts go.</summary>
internal sealed record SloDocument(int Version, IReadOnlyList<SloDefinition> Objectives, IReadOnlyList<NotificationTarget>? Notifications)
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses and checks a document; every problem is named at once.</summary>
    public static (SloDocument Document, string Revision) Parse(string text)
    {
        SloDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<SloDocument>(text, Json);
        }
        catch (JsonException invalid)
        {
            throw new InvalidOperationException($"The SLO file is not valid JSON: {invalid.Message}", invalid);
        }

        var problems = Problems(document).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The SLO file is invalid: " + string.Join("; ", problems));
        }

        var revision = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        return (document!, revision);
    }

    private static IEnumerable<string> Problems(SloDocument? document)
    {
        if (document is null)
        {
            yield return "it is empty";
            yield break;
        }

        if (document.Version != CurrentVersion)
        {
            yield return $"version must be {CurrentVersion}";
        }

        foreach (var duplicate in (document.Objectives ?? []).GroupBy(o => o.Id).Where(g => g.Count() > 1))
        {
            yield return $"objective id '{duplicate.Key}' is used twice";
        }

        foreach (var slo in document.Objectives ?? [])
        {
            if (string.IsNullOrWhiteSpace(slo.Id) || slo.Id.Length > 100)
            {
                yield return "every objective needs an id of at most 100 characters";
            }

            if (slo.Objective is <= 0 or >= 1)
            {
                yield return $"'{slo.Id}': objective must be strictly between 0 and 1";
            }

            if (slo.Kind == SloKind.Latency && slo.LatencyThresholdMs is not > 0)
            {
                yield return $"'{slo.Id}': a latency objective needs latencyThresholdMs above 0";
            }

            if (slo.PeriodDays is < 1 or > 365)
            {
                yield return $"'{slo.Id}': periodDays must be 1 to 365";
            }
        }

        foreach (var target in document.Notifications ?? [])
        {
            if (target.Url is not { IsAbsoluteUri: true, Scheme: "http" or "https" })
            {
                yield return $"notification '{target.Name}': url must be an absolute http(s) URL";
            }

            if (string.IsNullOrWhiteSpace(target.SecretSetting))
            {
                yield return $"notification '{target.Name}': secretSetting must name the setting that holds its signing secret";
            }
        }
    }
}
