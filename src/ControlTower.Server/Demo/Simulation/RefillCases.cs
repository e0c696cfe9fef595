using System.Text.Json.Nodes;
using ControlTower.Core.Demo;
using ControlTower.Core.Errors;
using ControlTower.Server.Pharmacy;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>One generated refill case: its kind, the refill workflow's trigger input, and whether it is an injected failure.</summary>
internal sealed record RefillCase(int Index, string Kind, JsonObject Input, CaseFacts Facts, bool InjectedFailure);

/// <summary>
/// Everything the simulation knows about the shape of the refill workflow lives here, so that a reworked workflow changes
/// this file only: the case mix, the trigger input it produces (seeded), the facts a person reads off a run input, which
/// step an approval node is, and the trust scope and features of the governed dispense. Injected failures ask for a drug
/// the simulation keeps short (<see cref="ShortDrug"/>), so the real dispense meets real short stock.
/// </summary>
internal static class RefillCases
{
    public const string Routine = "routine";
    public const string NoRefills = "no_refills";
    public const string Controlled = "controlled";
    public const string LargeQuantity = "large_quantity";
    public const string EarlyRefill = "early_refill";
    public const string ShortStock = "short_stock";

    /// <summary>The drug injected failures ask for; the simulation never tops it up.</summary>
    public const string ShortDrug = "Amoxicillin 500 mg";

    /// <summary>The node whose approval is the governed dispense's own (a second check, or the trust stage asking).</summary>
    public const string DispenseNodeId = "dispense";

    public static string WorkflowName => PharmacyDemo.RefillWorkflowName;

    public static Core.Trust.TrustScope DispenseScope => PharmacyDemo.DispenseScope;

    /// <summary>The default mix: mostly routine refills, with each kind of exception now and then.</summary>
    public static IReadOnlyDictionary<string, double> DefaultMix { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [Routine] = 0.78,
        [NoRefills] = 0.06,
        [Controlled] = 0.05,
        [LargeQuantity] = 0.05,
        [EarlyRefill] = 0.06,
    };

    private static readonly string[] RoutineDrugs = ["Atorvastatin 20 mg", "Lisinopril 10 mg", "Metformin 500 mg"];
    private static readonly int[] RoutineQuantities = [14, 28, 30, 30, 30, 45, 60];
    private static readonly string[] Patients =
    [
        "Maria Lopez", "James Chen", "Aisha Khan", "Tom Becker", "Sofia Rossi", "Daniel Okafor", "Emma Schmidt", "Lucas Silva",
        "Hannah Weber", "Omar Haddad", "Grace Kim", "Noah Dubois", "Mia Novak", "Ethan Park", "Lea Martin", "Ivan Petrov",
    ];

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
            cases.Add(Case(i, injected ? ShortStock : kind, seed, random, injected));
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

    private static RefillCase Case(int index, string kind, int seed, Random random, bool injected)
    {
        var drug = kind switch
        {
            Controlled => "Oxycodone 5 mg",
            ShortStock => ShortDrug,
            LargeQuantity => random.Next(2) == 0 ? "Lisinopril 10 mg" : "Metformin 500 mg",
            _ => RoutineDrugs[random.Next(RoutineDrugs.Length)],
        };
        var quantity = kind switch
        {
            Controlled => random.Next(10, 31),
            ShortStock => random.Next(41, 61),
            LargeQuantity => 90,
            _ => RoutineQuantities[random.Next(RoutineQuantities.Length)],
        };
        var days = kind switch
        {
            EarlyRefill => random.Next(5, 19),
            LargeQuantity => random.Next(80, 96),
            _ => random.Next(25, 41),
        };
        var facts = new CaseFacts(drug, quantity, kind == NoRefills ? 0 : random.Next(1, 6), days, kind == Controlled);
        var input = new JsonObject
        {
            ["rx"] = $"SIM-{seed}-{index:0000}",
            ["patient"] = Patients[random.Next(Patients.Length)],
            ["drug"] = facts.Drug,
            ["quantity"] = facts.Quantity,
            ["refills_left"] = facts.RefillsLeft,
            ["days_since_last_fill"] = facts.DaysSinceLastFill,
            ["controlled"] = facts.Controlled,
        };
        return new RefillCase(index, kind, input, facts, injected);
    }

    /// <summary>The facts a person reads off a refill run's input; null when the input is not a refill request.</summary>
    public static CaseFacts? Facts(JsonNode? input)
    {
        if (input is not JsonObject o || o["rx"] is not JsonValue || o["drug"] is not JsonValue drug || !drug.TryGetValue<string>(out var name))
        {
            return null;
        }

        static int Int(JsonNode? n) => n is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;
        var controlled = o["controlled"] is JsonValue c && c.TryGetValue<bool>(out var b) && b;
        return new CaseFacts(name, Int(o["quantity"]), Int(o["refills_left"]), Int(o["days_since_last_fill"]), controlled);
    }

    /// <summary>Which decision an approval of a refill run asks for.</summary>
    public static ApprovalStep Step(string nodeId, string nodeType) =>
        nodeType == "governed.action" ? ApprovalStep.SecondCheck
        : nodeId == "prescriber_approval" ? ApprovalStep.Renewal
        : ApprovalStep.Verification;

    /// <summary>What the dispense's trust models score a case on (the governed node's <c>features</c>, from the facts).</summary>
    public static JsonObject Features(CaseFacts facts) => new()
    {
        ["quantity"] = facts.Quantity,
        ["controlled"] = facts.Controlled,
        ["refills_left"] = facts.RefillsLeft,
        ["days_since_last_fill"] = facts.DaysSinceLastFill,
        ["drug"] = facts.Drug,
    };

    /// <summary>How a finished refill run ended: the body <c>status</c> its respond node answered (ready_for_pickup, declined, not_dispensed), else the run's status.</summary>
    public static string Outcome(string runStatus, JsonNode? output) =>
        runStatus == "completed" && output?["body"]?["status"] is JsonValue v && v.TryGetValue<string>(out var status) ? status : runStatus;

    /// <summary>Whether the dispense rule set asks a person whatever the stage (controlled substances, quantities over 60).</summary>
    public static bool RuleRequiresApproval(CaseFacts facts) => facts.Controlled || facts.Quantity > 60;

    private static ControlTowerException Invalid(string message) => new(ErrorKind.Validation, DemoErrorCodes.SimulationInvalid, message);
}
