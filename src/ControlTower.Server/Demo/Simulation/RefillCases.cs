using System.Text.Json.Nodes;
using ControlTower.Core.Demo;
using ControlTower.Core.Errors;
using ControlTower.Core.Json;
using ControlTower.Server.Pharmacy;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>One generated refill case: its kind, the refill workflow's trigger input, the facts it will be judged on, and whether it is an injected failure.</summary>
internal sealed record RefillCase(int Index, string Kind, JsonObject Input, CaseFacts Facts, bool InjectedFailure);

/// <summary>
/// Everything the simulation knows about the shape of the refill workflow lives here, so that a reworked workflow changes
/// this file only: the case mix, the trigger input it produces (seeded), the facts a person reads off the dispense's
/// evidence, which step an approval node is, and the trust scope and features of the governed dispense.
/// A case is a prescription of the demo's back office (<see cref="PharmacySeed.DefaultSeed"/>, the one the demo seeds and
/// resets to) and a <c>today</c>: prescriptions do not change on dispense, so the same one can be refilled by many cases;
/// routine cases pick among the seed's generated prescriptions and a day within two weeks of the business date, so their
/// facts and dates vary. Injected failures refill <see cref="ShortRx"/>, whose drug the shelf writes off first, so the real
/// dispense meets real short stock.
/// </summary>
internal static class RefillCases
{
    public const string Routine = "routine";
    public const string NoRefills = "no_refills";
    public const string Controlled = "controlled";
    public const string LargeQuantity = "large_quantity";
    public const string EarlyRefill = "early_refill";
    public const string Interaction = "interaction";
    public const string ClaimRejected = "claim_rejected";
    public const string ShortStock = "short_stock";

    /// <summary>The drug injected failures ask for; the simulation never tops it up.</summary>
    public const string ShortDrug = "Amoxicillin 500 mg";

    /// <summary>The prescription injected failures refill (amoxicillin, never filled: eligible, paid, pre-verified).</summary>
    public const string ShortRx = "RX-1004";

    /// <summary>The node whose approval is the governed dispense's own: the pharmacist's verification.</summary>
    public const string DispenseNodeId = "dispense";

    public static string WorkflowName => PharmacyDemo.RefillWorkflowName;

    public static Core.Trust.TrustScope DispenseScope => PharmacyDemo.DispenseScope;

    /// <summary>The default mix: mostly routine refills, with each kind of exception now and then.</summary>
    public static IReadOnlyDictionary<string, double> DefaultMix { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [Routine] = 0.80,
        [NoRefills] = 0.02,
        [Controlled] = 0.04,
        [LargeQuantity] = 0.04,
        [EarlyRefill] = 0.04,
        [Interaction] = 0.03,
        [ClaimRejected] = 0.03,
    };

    /// <summary>The named prescriptions each exception kind refills (see the Pharmacy README's table), with the facts the dispense will carry.</summary>
    private static readonly Dictionary<string, (string Rx, string Interaction)[]> Named = new(StringComparer.Ordinal)
    {
        [NoRefills] = [("RX-1002", "moderate"), ("RX-1006", "none")],
        [Controlled] = [("RX-1003", "none")],
        [EarlyRefill] = [("RX-1007", "none"), ("RX-1009", "none")],
        [Interaction] = [("RX-1008", "major")],
        [ClaimRejected] = [("RX-1005", "none")],
        [ShortStock] = [(ShortRx, "none")],
    };

    /// <summary>The demo back office's prescriptions (deterministic from the seed), and the generated ones split by the large-quantity rule.</summary>
    private static readonly Lazy<(IReadOnlyDictionary<string, Prescription> All, Prescription[] Routine, Prescription[] Large)> Catalogue = new(() =>
    {
        var prescriptions = PharmacySeed.Create(PharmacySeed.DefaultSeed).BackOffice.Prescriptions;
        var generated = prescriptions.Values.Where(p => !PharmacySeed.NamedPrescriptions.Any(n => n.Rx == p.Rx)).OrderBy(p => p.Rx, StringComparer.Ordinal).ToArray();
        return (prescriptions, generated.Where(p => p.Quantity <= LargeQuantityAbove).ToArray(), generated.Where(p => p.Quantity > LargeQuantityAbove).ToArray());
    });

    /// <summary>The dispense rule <c>large_quantity</c>'s threshold, from the rule set the demo seeds.</summary>
    private const int LargeQuantityAbove = PharmacyDemo.LargeQuantityAbove;

    /// <summary>The mix with unknown kinds and bad weights refused; null means the default.</summary>
    public static IReadOnlyDictionary<string, double> Mix(IReadOnlyDictionary<string, double>? requested)
    {
        if (requested is null || requested.Count == 0)
        {
            return DefaultMix;
        }

        foreach (var (kind, weight) in requested)
        {
            if (!DefaultMix.ContainsKey(kind))
            {
                throw Invalid($"mix: unknown case kind '{kind}' (kinds: {string.Join(", ", DefaultMix.Keys)}).");
            }

            if (!double.IsFinite(weight) || weight < 0)
            {
                throw Invalid($"mix: the weight of '{kind}' must be a number >= 0.");
            }
        }

        return requested.Values.Sum() > 0 ? requested : throw Invalid("mix: at least one weight must be above 0.");
    }

    /// <summary>The cases of a simulation, the same for the same seed, mix and burst.</summary>
    public static IReadOnlyList<RefillCase> Generate(int count, IReadOnlyDictionary<string, double> mix, int seed, FailureBurst? burst)
    {
        var random = new Random(seed);
        var total = mix.Values.Sum();
        var cases = new List<RefillCase>(count);
        for (var i = 1; i <= count; i++)
        {
            var kind = Pick(mix, random.NextDouble() * total);
            var injected = burst is not null && i >= burst.AtCase && i < burst.AtCase + burst.Count;
            cases.Add(Case(i, injected ? ShortStock : kind, random, injected));
        }

        return cases;
    }

    /// <summary>The kind whose cumulative weight first exceeds <paramref name="point"/> (the last one when rounding leaves it short).</summary>
    private static string Pick(IReadOnlyDictionary<string, double> mix, double point)
    {
        var last = "";
        foreach (var (kind, weight) in mix)
        {
            last = kind;
            point -= weight;
            if (point < 0)
            {
                return kind;
            }
        }

        return last;
    }

    private static RefillCase Case(int index, string kind, Random random, bool injected)
    {
        var (all, routine, large) = Catalogue.Value;
        var (rx, interaction) = kind switch
        {
            Routine => (routine[random.Next(routine.Length)].Rx, "none"),
            LargeQuantity => (large[random.Next(large.Length)].Rx, "none"),
            _ => Named[kind][random.Next(Named[kind].Length)],
        };

        // Generated prescriptions are due on the business date and stay due; the early ones stay too early for a week.
        var days = kind == EarlyRefill ? random.Next(0, 7) : random.Next(0, 15);
        var today = PharmacyChecks.Iso(PharmacyChecks.Date(PharmacySeed.Today).AddDays(days));
        var prescription = all[rx];
        var facts = new CaseFacts(prescription.Drug, prescription.Quantity, prescription.DaysSupply, prescription.ControlledSchedule is not null, interaction,
            Renewed: prescription.RefillsRemaining == 0 && prescription.LastFillDate is not null);
        return new RefillCase(index, kind, new JsonObject { ["rx"] = rx, ["today"] = today }, facts, injected);
    }

    /// <summary>The facts a person reads off the governed dispense's evidence (its <c>features</c>); null when they are not a refill's.</summary>
    public static CaseFacts? Facts(JsonNode? evidence)
    {
        if (evidence?["features"] is not JsonObject f || Text(f["drug"]) is not { } drug || Number(f["quantity"]) is not { } quantity)
        {
            return null;
        }

        return new CaseFacts(drug, quantity, Number(f["days_supply"]) ?? 0, Flag(f["controlled"]), Text(f["interaction_severity"]) ?? "none", Flag(f["renewed"]));
    }

    /// <summary>Which decision an approval of a refill run asks for: the dispense's is the pharmacist's verification.</summary>
    public static ApprovalStep Step(string nodeId, string nodeType) =>
        nodeType != "governed.action" && nodeId.Contains("prescriber", StringComparison.Ordinal) ? ApprovalStep.Renewal : ApprovalStep.Verification;

    /// <summary>What the dispense's trust models score a case on: the governed node's <c>features</c>, as its evidence holds them.</summary>
    public static JsonObject Features(JsonNode? evidence) => evidence?["features"] is JsonObject f ? (JsonObject)f.DeepClone() : [];

    /// <summary>How a finished refill run ended: <c>completed</c>, the <c>reason</c> its respond node gave for a failed refill
    /// (too_early, claim_rejected, declined, not_dispensed, …), else the run's status.</summary>
    public static string Outcome(string runStatus, JsonNode? output)
    {
        var body = runStatus == "completed" ? output?["body"] : null;
        return Text(body?["status"]) is not { } status ? runStatus
            : status == "failed" && Text(body?["reason"]) is { } reason ? reason
            : status;
    }

    /// <summary>Whether the dispense rule set asks a person whatever the stage (controlled substances, major interactions, quantities over 60).</summary>
    public static bool RuleRequiresApproval(CaseFacts facts) => facts.Controlled || facts.InteractionSeverity == "major" || facts.Quantity > LargeQuantityAbove;

    private static string? Text(JsonNode? node) => JsonValues.Text(node);

    /// <summary>A whole number, whether the template rendered it as a number or as text.</summary>
    private static int? Number(JsonNode? node) => node is JsonValue v
        ? v.TryGetValue<int>(out var i) ? i
        : v.TryGetValue<double>(out var d) ? (int)d
        : v.TryGetValue<string>(out var s) && int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null
        : null;

    private static bool Flag(JsonNode? node) => node is JsonValue v && ((v.TryGetValue<bool>(out var b) && b) || (v.TryGetValue<string>(out var s) && s == "true"));

    private static ControlTowerException Invalid(string message) => new(ErrorKind.Validation, DemoErrorCodes.SimulationInvalid, message);
}
