using System.Text.Json.Nodes;

namespace ControlTower.Core.Trust.Learning;

/// <summary>The shape of a synthetic stream: label noise, drift over the stream, share of injected anomalies.</summary>
/// <param name="LabelNoise">Each label is replaced by a coin flip with this chance (it is part of the true probability).</param>
/// <param name="Drift">0 is stationary; 1 shifts the quantity distribution up and makes a pending insurance count against approval three times as hard by the end.</param>
/// <param name="AnomalyRate">The share of events replaced by an injected anomaly.</param>
public sealed record SyntheticShape(string Name, double LabelNoise, double Drift, double AnomalyRate)
{
    public static readonly SyntheticShape Stationary = new("stationary", 0.0, 0.0, 0.01);
    public static readonly SyntheticShape Noisy = new("noisy", 0.15, 0.0, 0.01);
    public static readonly SyntheticShape Drifting = new("drifting", 0.05, 1.0, 0.01);

    public static IReadOnlyList<SyntheticShape> All { get; } = [Stationary, Noisy, Drifting];
}

/// <summary>
/// One generated event with its true probabilities (from the observed features only, so they are the Bayes optimum)
/// and, when injected, the kind of anomaly: <c>extreme</c> (a quantity far beyond anything normal), <c>unseen</c>
/// (a drug never dispensed before) or <c>combination</c> (a site under the wrong tenant, or a technician dispensing a
/// controlled drug: each value common, together impossible).
/// </summary>
public sealed record SyntheticEvent(TrustExample Example, double TrueApproval, double TrueSuccess, string? Anomaly);

/// <summary>
/// Seeded synthetic pharmacy-dispensing streams for tests and the benchmark. Approval and success are nonlinear in the
/// features (thresholds, interactions, a periodic term); two context fields are pure noise. Histories are computed
/// with <see cref="ScopeHistoryBuilder"/> as production would.
/// </summary>
public static class SyntheticTrustStream
{
    private static readonly string[] Drugs = ["amoxicillin", "atorvastatin", "lisinopril", "metformin", "omeprazole", "sertraline", "levothyroxine", "oxycodone", "alprazolam", "gabapentin"];
    private static readonly string[] ControlledDrugs = ["oxycodone", "alprazolam"];
    private static readonly (string Site, string Tenant)[] Sites = [("s1", "t1"), ("s2", "t1"), ("s3", "t2"), ("s4", "t2")];
    private static readonly string[] Queues = ["refill", "new", "transfer"];
    private static readonly (string Value, double Share)[] Insurance = [("paid", 0.6), ("pending", 0.25), ("denied", 0.1), ("cash", 0.05)];

    public static IReadOnlyList<SyntheticEvent> Generate(SyntheticShape shape, int count, ulong seed, DateTimeOffset start)
    {
        var random = new SplitMix64(seed);
        var raw = new List<SyntheticEvent>(count);
        var at = start;
        for (var i = 0; i < count; i++)
        {
            at = at.AddMinutes(-Math.Log(1 - random.NextDouble()) * 6);
            if (at.Hour is < 6 or >= 23 && random.NextDouble() < 0.9)
            {
                at = at.AddHours(7);
            }

            var progress = count <= 1 ? 0 : i / (double)(count - 1);
            raw.Add(Event(shape, $"e{i + 1}", at, progress, ref random));
        }

        var withHistory = ScopeHistoryBuilder.WithHistory(raw.Select(e => e.Example));
        return [.. raw.Zip(withHistory, (e, h) => e with { Example = h })];
    }

    private static SyntheticEvent Event(SyntheticShape shape, string id, DateTimeOffset at, double progress, ref SplitMix64 random)
    {
        var (site, tenant) = Sites[random.NextInt(Sites.Length)];
        var drug = Drugs[random.NextInt(Drugs.Length)];
        var controlled = ControlledDrugs.Contains(drug);
        var role = controlled || random.NextDouble() < 0.55 ? "pharmacist" : "technician";
        var queue = Queues[random.NextInt(Queues.Length)];
        var quantity = Math.Round(30 * Math.Exp((0.45 * random.NextGaussian()) + (0.35 * shape.Drift * progress)));
        var insurance = Pick(Insurance, ref random);
        var age = Math.Round(18 + (72 * random.NextDouble()));
        var refills = random.NextInt(6);
        var interaction = random.NextDouble() < 0.06;
        var noise1 = Math.Round(random.NextGaussian(), 3);
        var noise2 = random.NextDouble() < 0.5 ? "a" : "b";

        string? anomaly = null;
        if (random.NextDouble() < shape.AnomalyRate)
        {
            switch (random.NextInt(3))
            {
                case 0:
                    anomaly = "extreme";
                    quantity = Math.Round(quantity * (8 + (12 * random.NextDouble())));
                    break;
                case 1:
                    anomaly = "unseen";
                    drug = $"compound-{random.NextInt(1_000_000):D6}";
                    break;
                default:
                    anomaly = "combination";
                    if (random.NextDouble() < 0.5)
                    {
                        tenant = tenant == "t1" ? "t2" : "t1";
                    }
                    else
                    {
                        (drug, controlled, role) = ("oxycodone", true, "technician");
                    }

                    break;
            }
        }

        var night = at.Hour is < 7 or >= 22;
        var approvalLogit = 2.2
            - (2.5 * (controlled && quantity > 60 ? 1 : 0))
            - ((1.6 + (0.3 * shape.Drift * progress)) * (insurance == "denied" ? 1 : 0))
            - ((0.6 + (1.2 * shape.Drift * progress)) * (insurance == "pending" ? 1 : 0))
            - (1.8 * Sigmoid((quantity - 90) / 8))
            - (2.0 * (interaction ? 1 : 0))
            + (0.7 * (role == "pharmacist" ? 1 : 0))
            - (1.2 * (night ? 1 : 0))
            + (0.8 * Math.Sin(age / 12))
            - (0.9 * (site == "s4" && controlled ? 1 : 0));
        var successLogit = 2.0
            - (1.7 * (interaction ? 1 : 0))
            - (1.2 * Sigmoid((quantity - 100) / 10))
            - (0.8 * (insurance == "pending" ? 1 : 0))
            + (0.6 * (role == "pharmacist" ? 1 : 0))
            - (0.9 * (age > 75 ? 1 : 0))
            + (0.6 * Math.Cos(refills * 1.3))
            - (0.7 * (queue == "transfer" && controlled ? 1 : 0));
        var pApprove = Noisy(Sigmoid(approvalLogit), shape.LabelNoise);
        var pSuccess = Noisy(Sigmoid(successLogit), shape.LabelNoise);
        var approved = random.NextDouble() < pApprove;
        bool? succeeded = approved ? random.NextDouble() < pSuccess : null;

        var context = new JsonObject
        {
            ["quantity"] = quantity,
            ["controlled"] = controlled,
            ["drug"] = drug,
            ["insurance"] = insurance,
            ["patientAge"] = age,
            ["refillsLeft"] = refills,
            ["interactionFlag"] = interaction,
            ["noiseScore"] = noise1,
            ["noiseTag"] = noise2,
        };
        var scope = new TrustScope(tenant, site, queue, "pharmacy.dispense", role);
        var proposal = new TrustProposal(scope, context, at, new ScopeHistory(0, null, 0, null));
        return new SyntheticEvent(new TrustExample(id, proposal, approved, succeeded), pApprove, pSuccess, anomaly);
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double Noisy(double p, double noise) => ((1 - noise) * p) + (noise / 2);

    private static string Pick((string Value, double Share)[] choices, ref SplitMix64 random)
    {
        var u = random.NextDouble();
        foreach (var (value, share) in choices)
        {
            u -= share;
            if (u < 0)
            {
                return value;
            }
        }

        return choices[^1].Value;
    }
}
