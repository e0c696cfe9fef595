namespace ControlTower.Server.Pharmacy;

/// <summary>
/// The back office a seed produces: the same records for the same seed, on any machine. Ten named prescriptions
/// (RX-1001…RX-1010, the demo's samples and scenarios; RX-1010 fails pre-verification: a penicillin allergy) are the same for every seed; the seed draws
/// <see cref="GeneratedPrescriptions"/> more (RX-2001…, patients P-2001…), routine refills of non-interacting drugs,
/// most of them due, for simulations to pick from. The business date is <see cref="Today"/>; the seed never reads a clock.
/// </summary>
internal static class PharmacySeed
{
    public const int DefaultSeed = 42;
    public const int GeneratedPrescriptions = 40;
    public const string Today = "2026-12-01";

    private static readonly string[] FirstNames = ["Ava", "Noah", "Mia", "Liam", "Zoe", "Ethan", "Ines", "Kai", "Sara", "Yusuf", "Nora", "Leo", "Hana", "Ravi", "Elena", "Sam"];
    private static readonly string[] LastNames = ["Garcia", "Smith", "Nguyen", "Kowalski", "Osei", "Rossi", "Tanaka", "Dubois", "Ibrahim", "Larsen", "Moreau", "Silva"];
    private static readonly string[] RoutineDrugs = ["Atorvastatin 20 mg", "Lisinopril 10 mg", "Metformin 500 mg", "Sertraline 50 mg"];

    public static IReadOnlyList<Prescriber> Prescribers { get; } =
    [
        new("DR-01", "Dr. Ana Ruiz", "1234567893", "approve", RenewalRefills: 3, AnswerAfterPolls: 2),
        new("DR-02", "Dr. Ben Okafor", "1245319599", "deny", RenewalRefills: 0, AnswerAfterPolls: 2),
        new("DR-03", "Dr. Chloe Martin", "1679576722", "approve", RenewalRefills: 5, AnswerAfterPolls: 1),
    ];

    public static IReadOnlyList<InsurancePlan> Plans { get; } =
    [
        new("ACME-PPO", "Acme PPO", 10m, [], RefillThreshold: 0.75, MaxDaysSupply: 90),
        new("MEDIPLUS", "MediPlus Part D", 5m, ["Apixaban 5 mg"], RefillThreshold: 0.80, MaxDaysSupply: 90),
        new("STATECARE", "StateCare Medicaid", 1m, [], RefillThreshold: 0.85, MaxDaysSupply: 34),
    ];

    /// <summary>The named patients: one per sample or scenario (Henry Walsh takes two drugs that interact).</summary>
    public static IReadOnlyList<Patient> NamedPatients { get; } =
    [
        new("P-1001", "Maria Lopez", "1958-03-14", "ACME-PPO", [], []),
        new("P-1002", "James Chen", "1949-11-02", "ACME-PPO", [], ["Potassium chloride 20 mEq"]),
        new("P-1003", "Aisha Khan", "1985-07-22", "ACME-PPO", [], []),
        new("P-1004", "Tom Becker", "1990-01-30", "STATECARE", [], []),
        new("P-1005", "Grace Park", "1962-05-09", "MEDIPLUS", ["sulfonamide"], []),
        new("P-1006", "Omar Haddad", "1971-09-17", "ACME-PPO", [], []),
        new("P-1007", "Lena Novak", "1980-12-03", "STATECARE", [], []),
        new("P-1008", "Henry Walsh", "1945-04-26", "MEDIPLUS", [], []),
        new("P-1009", "Nadia Rahman", "1993-08-11", "ACME-PPO", ["penicillin"], []),
    ];

    /// <summary>RX-1001…RX-1010; <c>daysAgo</c> of the last fill counts back from <see cref="Today"/> (null: never filled).</summary>
    public static IReadOnlyList<Prescription> NamedPrescriptions { get; } =
    [
        Rx("RX-1001", "P-1001", "DR-01", "Atorvastatin 20 mg", 30, 30, refills: 2, daysAgo: 28, "Take 1 tablet by mouth daily"),
        Rx("RX-1002", "P-1002", "DR-01", "Lisinopril 10 mg", 90, 90, refills: 0, daysAgo: 85, "Take 1 tablet by mouth daily"),
        Rx("RX-1003", "P-1003", "DR-03", "Oxycodone 5 mg", 20, 5, refills: 0, daysAgo: null, "Take 1 tablet every 6 hours as needed for pain", "C-II"),
        Rx("RX-1004", "P-1004", "DR-03", "Amoxicillin 500 mg", 21, 7, refills: 1, daysAgo: null, "Take 1 capsule three times daily"),
        Rx("RX-1005", "P-1005", "DR-01", "Apixaban 5 mg", 60, 30, refills: 3, daysAgo: 27, "Take 1 tablet twice daily"),
        Rx("RX-1006", "P-1006", "DR-02", "Metformin 500 mg", 60, 30, refills: 0, daysAgo: 28, "Take 1 tablet twice daily with meals"),
        Rx("RX-1007", "P-1007", "DR-03", "Lisinopril 10 mg", 30, 30, refills: 3, daysAgo: 10, "Take 1 tablet by mouth daily"),
        Rx("RX-1008", "P-1008", "DR-01", "Ibuprofen 400 mg", 60, 20, refills: 2, daysAgo: 25, "Take 1 tablet three times daily with food"),
        Rx("RX-1009", "P-1008", "DR-01", "Warfarin 5 mg", 30, 30, refills: 5, daysAgo: 20, "Take 1 tablet daily or as directed"),
        Rx("RX-1010", "P-1009", "DR-03", "Amoxicillin 500 mg", 21, 7, refills: 0, daysAgo: null, "Take 1 capsule three times daily"),
    ];

    /// <summary>Everything the state file holds on first start for <paramref name="seed"/>.</summary>
    public static (IReadOnlyList<StockItem> Stock, BackOffice BackOffice) Create(int seed)
    {
        var random = new Random(seed);
        var patients = NamedPatients.ToList();
        var prescriptions = NamedPrescriptions.ToList();
        for (var i = 1; i <= GeneratedPrescriptions; i++)
        {
            // Two prescriptions per generated patient, of different drugs: none of the routine drugs interact.
            var patientNumber = 2000 + ((i + 1) / 2);
            var patientId = $"P-{patientNumber}";
            if (i % 2 == 1)
            {
                patients.Add(new Patient(patientId, $"{Pick(random, FirstNames)} {Pick(random, LastNames)}",
                    PharmacyChecks.Iso(new DateOnly(1940, 1, 1).AddDays(random.Next(0, 365 * 60))), random.Next(0, 3) == 0 ? "MEDIPLUS" : "ACME-PPO", [], []));
            }

            var previous = i % 2 == 0 ? prescriptions[^1].Drug : null;
            var drug = Pick(random, [.. RoutineDrugs.Where(d => d != previous)]);
            var days = random.Next(0, 3) == 0 ? 90 : 30;
            var daysAgo = (int)Math.Round(days * (0.8 + (random.NextDouble() * 0.3)));
            prescriptions.Add(Rx($"RX-{2000 + i}", patientId, random.Next(0, 2) == 0 ? "DR-01" : "DR-03", drug, days, days,
                refills: random.Next(1, 6), daysAgo, "Take 1 by mouth daily"));
        }

        var backOffice = new BackOffice(
            seed,
            Today,
            patients.ToDictionary(p => p.Id, StringComparer.Ordinal),
            Prescribers.ToDictionary(p => p.Id, StringComparer.Ordinal),
            Plans.ToDictionary(p => p.Id, StringComparer.Ordinal),
            prescriptions.ToDictionary(p => p.Rx, StringComparer.Ordinal),
            new Dictionary<string, PrescriberRequest>(StringComparer.Ordinal),
            new Dictionary<string, Claim>(StringComparer.Ordinal),
            []);
        return (PharmacyDemo.Stock, backOffice);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    private static Prescription Rx(string rx, string patient, string prescriber, string drug, int quantity, int daysSupply, int refills, int? daysAgo, string sig, string? schedule = null) =>
        new(rx, patient, prescriber, drug, drug[(drug.IndexOf(' ', StringComparison.Ordinal) + 1)..], quantity, daysSupply, refills,
            daysAgo is { } ago ? PharmacyChecks.Iso(PharmacyChecks.Date(Today).AddDays(-ago)) : null,
            PharmacyChecks.Iso(PharmacyChecks.Date(Today).AddDays(-120)), schedule, sig);
}
