namespace ControlTower.Server.Pharmacy;

/// <summary>What the pharmacy knows about a drug: its class (for allergies), DEA schedule, the most units a day, and the price per unit.</summary>
internal sealed record FormularyDrug(string Drug, string Class, string? Schedule, int MaxDailyUnits, decimal UnitPrice);

/// <summary>One row of the interaction table: two drugs (or a drug and a class) that should not be taken together.</summary>
internal sealed record Interaction(string A, string B, string Severity, string Description);

/// <summary>The demo's formulary and interaction table: small, fixed, and the same for every seed.</summary>
internal static class PharmacyFormulary
{
    public const string Major = "major";
    public const string Moderate = "moderate";
    public const string None = "none";

    public static readonly IReadOnlyList<FormularyDrug> Drugs =
    [
        new("Atorvastatin 20 mg", "statin", null, 2, 0.35m),
        new("Lisinopril 10 mg", "ace_inhibitor", null, 2, 0.20m),
        new("Oxycodone 5 mg", "opioid", "C-II", 6, 0.90m),
        new("Amoxicillin 500 mg", "penicillin", null, 3, 0.30m),
        new("Metformin 500 mg", "biguanide", null, 4, 0.10m),
        new("Apixaban 5 mg", "anticoagulant", null, 2, 8.50m),
        new("Warfarin 5 mg", "anticoagulant", null, 2, 0.25m),
        new("Ibuprofen 400 mg", "nsaid", null, 6, 0.08m),
        new("Sertraline 50 mg", "ssri", null, 4, 0.30m),
        new("Tramadol 50 mg", "opioid", "C-IV", 8, 0.40m),
    ];

    public static readonly IReadOnlyList<Interaction> Interactions =
    [
        new("Warfarin 5 mg", "Ibuprofen 400 mg", Major, "NSAIDs raise the bleeding risk of warfarin."),
        new("Apixaban 5 mg", "Ibuprofen 400 mg", Major, "NSAIDs raise the bleeding risk of apixaban."),
        new("Sertraline 50 mg", "Tramadol 50 mg", Major, "Serotonin syndrome and seizure risk."),
        new("Oxycodone 5 mg", "Alprazolam 0.5 mg", Major, "Opioids with benzodiazepines: profound sedation, respiratory depression."),
        new("Atorvastatin 20 mg", "Clarithromycin 500 mg", Major, "Clarithromycin raises statin levels: myopathy."),
        new("Lisinopril 10 mg", "Potassium chloride 20 mEq", Moderate, "Hyperkalaemia: monitor potassium."),
        new("Metformin 500 mg", "Furosemide 40 mg", Moderate, "Furosemide may raise metformin levels."),
    ];

    public static FormularyDrug? Find(string drug) =>
        Drugs.FirstOrDefault(d => string.Equals(d.Drug, drug.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The rows that pair <paramref name="drug"/> with any of <paramref name="others"/> (by name, either way round).</summary>
    public static IEnumerable<(Interaction Row, string With)> Between(string drug, IEnumerable<string> others)
    {
        foreach (var other in others.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            foreach (var row in Interactions.Where(r => Pairs(r, drug, other)))
            {
                yield return (row, other);
            }
        }
    }

    private static bool Pairs(Interaction row, string a, string b) =>
        (Same(row.A, a) && Same(row.B, b)) || (Same(row.A, b) && Same(row.B, a));

    private static bool Same(string x, string y) => string.Equals(x, y.Trim(), StringComparison.OrdinalIgnoreCase);
}
