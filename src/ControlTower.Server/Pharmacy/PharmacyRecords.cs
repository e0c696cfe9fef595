using System.Text.Json.Nodes;

namespace ControlTower.Server.Pharmacy;

/// <summary>A patient: the plan that pays, what they are allergic to (drug classes) and medicines taken outside this pharmacy.</summary>
internal sealed record Patient(string Id, string Name, string DateOfBirth, string PlanId, IReadOnlyList<string> Allergies, IReadOnlyList<string> OtherMedications)
{
    public JsonObject ToJson(IEnumerable<Prescription> prescriptions) => new()
    {
        ["patient_id"] = Id,
        ["name"] = Name,
        ["date_of_birth"] = DateOfBirth,
        ["plan_id"] = PlanId,
        ["allergies"] = Strings(Allergies),
        ["other_medications"] = Strings(OtherMedications),
        ["prescriptions"] = Strings(prescriptions.Where(p => p.PatientId == Id).Select(p => p.Rx).Order(StringComparer.Ordinal)),
    };

    internal static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}

/// <summary>
/// A prescriber and how they answer a renewal request: <see cref="RenewalPolicy"/> <c>approve</c> or <c>deny</c>, after
/// <see cref="AnswerAfterPolls"/> polls of <c>get_prescriber_response</c> (the office answers later, never at once).
/// </summary>
internal sealed record Prescriber(string Id, string Name, string Npi, string RenewalPolicy, int RenewalRefills, int AnswerAfterPolls);

/// <summary>An insurance plan: copay, the drugs that need a prior authorization, and the share of days' supply that must pass before a refill.</summary>
internal sealed record InsurancePlan(string Id, string Name, decimal Copay, IReadOnlyList<string> PriorAuthorizationDrugs, double RefillThreshold, int MaxDaysSupply);

/// <summary>
/// A prescription as the prescriber wrote it and the history on file said when seeded. <see cref="LastFillDate"/> null =
/// never filled (the original fill is due). <see cref="ControlledSchedule"/> is the DEA schedule (<c>C-II</c> … <c>C-V</c>)
/// or null. Dispenses append to <see cref="BackOffice.Fills"/> and leave the prescription as it is, so a scenario
/// or a simulated case on the same prescription is judged the same way every time.
/// </summary>
internal sealed record Prescription(
    string Rx,
    string PatientId,
    string PrescriberId,
    string Drug,
    string Strength,
    int Quantity,
    int DaysSupply,
    int RefillsRemaining,
    string? LastFillDate,
    string WrittenDate,
    string? ControlledSchedule,
    string Sig);

/// <summary>A renewal request to a prescriber: pending until polled enough times, then approved or denied (once).</summary>
internal sealed record PrescriberRequest(string Id, string Rx, string PrescriberId, string Reason, string RequestedOn, int Polls, string Status, int RefillsAuthorized, string? AnsweredOn);

/// <summary>One dispense of a prescription, on the back office's date.</summary>
internal sealed record Fill(string Rx, string Drug, int Quantity, string Date);

/// <summary>A claim sent to a plan, with its answer.</summary>
internal sealed record Claim(string Id, string Rx, string PlanId, string Status, IReadOnlyList<RejectCode> Rejects, decimal PlanPays, decimal PatientPays, string SubmittedOn);

/// <summary>An NCPDP reject code with its meaning.</summary>
internal sealed record RejectCode(string Code, string Description)
{
    public static readonly RejectCode PriorAuthorizationRequired = new("75", "Prior authorization required");
    public static readonly RejectCode RefillTooSoon = new("79", "Refill too soon");
    public static readonly RejectCode PlanLimitationsExceeded = new("76", "Plan limitations exceeded");
    public static readonly RejectCode NoRefillsAuthorized = new("MR", "Product not on file / no refills authorized");

    public JsonObject ToJson() => new() { ["code"] = Code, ["description"] = Description };
}

/// <summary>
/// The back office kept beside the stock in the state file: the business date (<see cref="Today"/>, fixed by the seed:
/// the server never reads the wall clock for it; tools take a <c>today</c> argument to ask about another day), patients,
/// prescribers, plans, prescriptions, renewal requests and claims.
/// </summary>
internal sealed record BackOffice(
    int Seed,
    string Today,
    IReadOnlyDictionary<string, Patient> Patients,
    IReadOnlyDictionary<string, Prescriber> Prescribers,
    IReadOnlyDictionary<string, InsurancePlan> Plans,
    IReadOnlyDictionary<string, Prescription> Prescriptions,
    IReadOnlyDictionary<string, PrescriberRequest> Requests,
    IReadOnlyDictionary<string, Claim> Claims,
    IReadOnlyList<Fill> Fills);
