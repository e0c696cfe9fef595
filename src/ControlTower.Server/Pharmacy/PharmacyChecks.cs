using System.Globalization;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// The back office's judgements as pure functions of the records and the date they are asked on (never the wall
/// clock): refill eligibility, interactions, claim adjudication, pre-verification and a prescriber's answer.
/// </summary>
internal static class PharmacyChecks
{
    /// <summary>Controlled substances may be refilled later than others: 90% of the days' supply must have passed.</summary>
    public const double ControlledRefillThreshold = 0.9;

    /// <summary>Non-controlled refills: 75% of the days' supply.</summary>
    public const double RefillThreshold = 0.75;

    public static DateOnly Date(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The first day a refill may be filled, when it has been filled before.</summary>
    public static DateOnly? EarliestRefill(Prescription rx, double threshold) =>
        rx.LastFillDate is { } last ? Date(last).AddDays((int)Math.Ceiling(rx.DaysSupply * threshold)) : null;

    /// <summary>
    /// <c>first_fill</c> (never filled) and <c>eligible</c> may be filled; <c>no_refills_remaining</c> needs the
    /// prescriber (C-II prescriptions are never refilled: each fill is a new prescription); <c>too_early</c> waits.
    /// </summary>
    public static JsonObject Eligibility(Prescription rx, DateOnly today)
    {
        var threshold = rx.ControlledSchedule is null ? RefillThreshold : ControlledRefillThreshold;
        var earliest = EarliestRefill(rx, threshold);
        var reason = rx.LastFillDate is null ? "first_fill"
            : rx.RefillsRemaining <= 0 ? "no_refills_remaining"
            : today < earliest ? "too_early"
            : "eligible";
        return new JsonObject
        {
            ["rx"] = rx.Rx,
            ["eligible"] = reason is "first_fill" or "eligible",
            ["reason"] = reason,
            ["next_step"] = reason switch { "no_refills_remaining" => "request_prescriber", "too_early" => "wait", _ => "fill" },
            ["refills_remaining"] = rx.RefillsRemaining,
            ["last_fill_date"] = rx.LastFillDate,
            ["days_supply"] = rx.DaysSupply,
            ["days_since_last_fill"] = rx.LastFillDate is { } last ? today.DayNumber - Date(last).DayNumber : null,
            ["earliest_fill_date"] = earliest is { } e ? Iso(e) : null,
            ["controlled_schedule"] = rx.ControlledSchedule,
            ["today"] = Iso(today),
        };
    }

    /// <summary>The interactions of <paramref name="drug"/> with the patient's other prescriptions and outside medicines.</summary>
    public static JsonObject Interactions(Patient patient, string drug, IEnumerable<Prescription> prescriptions)
    {
        var others = prescriptions.Where(p => p.PatientId == patient.Id && !string.Equals(p.Drug, drug.Trim(), StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Drug).Concat(patient.OtherMedications).ToList();
        var found = PharmacyFormulary.Between(drug, others).ToList();
        var highest = found.Any(f => f.Row.Severity == PharmacyFormulary.Major) ? PharmacyFormulary.Major
            : found.Count > 0 ? PharmacyFormulary.Moderate : PharmacyFormulary.None;
        return new JsonObject
        {
            ["patient_id"] = patient.Id,
            ["drug"] = drug.Trim(),
            ["checked_against"] = Patient.Strings(others),
            ["interactions"] = new JsonArray([.. found.Select(f => (JsonNode)new JsonObject
            {
                ["with"] = f.With,
                ["severity"] = f.Row.Severity,
                ["description"] = f.Row.Description,
            })]),
            ["highest_severity"] = highest,
        };
    }

    /// <summary>
    /// The plan's answer to a claim for one fill of <paramref name="rx"/> on <paramref name="today"/>;
    /// <paramref name="refillsAuthorized"/> are refills a prescriber granted since (an approved renewal request).
    /// </summary>
    public static Claim Adjudicate(string claimId, Prescription rx, InsurancePlan plan, DateOnly today, int refillsAuthorized)
    {
        var rejects = new List<RejectCode>();
        if (plan.PriorAuthorizationDrugs.Any(d => string.Equals(d, rx.Drug, StringComparison.OrdinalIgnoreCase)))
        {
            rejects.Add(RejectCode.PriorAuthorizationRequired);
        }

        if (rx.LastFillDate is not null && rx.RefillsRemaining + refillsAuthorized <= 0)
        {
            rejects.Add(RejectCode.NoRefillsAuthorized);
        }

        if (rx.RefillsRemaining + refillsAuthorized > 0 && EarliestRefill(rx, plan.RefillThreshold) is { } earliest && today < earliest)
        {
            rejects.Add(RejectCode.RefillTooSoon);
        }

        if (rx.DaysSupply > plan.MaxDaysSupply)
        {
            rejects.Add(RejectCode.PlanLimitationsExceeded);
        }

        var price = (PharmacyFormulary.Find(rx.Drug)?.UnitPrice ?? 1m) * rx.Quantity;
        var patientPays = rejects.Count > 0 ? 0m : Math.Min(plan.Copay, price);
        return new Claim(claimId, rx.Rx, plan.Id, rejects.Count > 0 ? "rejected" : "paid", rejects,
            rejects.Count > 0 ? 0m : price - patientPays, patientPays, Iso(today));
    }

    public static JsonObject ToJson(Claim claim, InsurancePlan plan) => new()
    {
        ["claim_id"] = claim.Id,
        ["rx"] = claim.Rx,
        ["plan_id"] = plan.Id,
        ["plan_name"] = plan.Name,
        ["status"] = claim.Status,
        ["paid"] = claim.Status == "paid",
        ["reject_codes"] = new JsonArray([.. claim.Rejects.Select(r => (JsonNode)r.ToJson())]),
        ["plan_pays"] = claim.PlanPays,
        ["patient_pays"] = claim.PatientPays,
        ["submitted_on"] = claim.SubmittedOn,
    };

    /// <summary>The pharmacist's pre-verification: the patient on file, no allergy to the drug's class, a dose within the daily maximum.</summary>
    public static JsonObject Preverify(Prescription rx, Patient patient)
    {
        var drug = PharmacyFormulary.Find(rx.Drug);
        var daily = rx.DaysSupply > 0 ? (double)rx.Quantity / rx.DaysSupply : double.PositiveInfinity;
        var checks = new JsonArray
        {
            Check("identity", patient.DateOfBirth.Length > 0, $"{patient.Name}, born {patient.DateOfBirth}"),
            Check("allergies", drug is null || !patient.Allergies.Contains(drug.Class, StringComparer.OrdinalIgnoreCase),
                drug is null ? "drug not in the formulary" : $"class {drug.Class}; allergies: {(patient.Allergies.Count == 0 ? "none" : string.Join(", ", patient.Allergies))}"),
            Check("dose", drug is not null && daily <= drug.MaxDailyUnits,
                string.Create(CultureInfo.InvariantCulture, $"{daily:0.##} a day (max {drug?.MaxDailyUnits.ToString(CultureInfo.InvariantCulture) ?? "unknown"})")),
            Check("formulary", drug is not null, drug is null ? $"{rx.Drug} is not in the formulary" : $"{drug.Drug} ({drug.Class})"),
        };
        return new JsonObject
        {
            ["rx"] = rx.Rx,
            ["passed"] = checks.All(c => c!["passed"]!.GetValue<bool>()),
            ["checks"] = checks,
            ["controlled_schedule"] = rx.ControlledSchedule,
            ["counselling_required"] = rx.ControlledSchedule is not null || rx.LastFillDate is null,
        };
    }

    /// <summary>A renewal request one poll later: still pending until the prescriber's office has been asked enough times, then answered once.</summary>
    public static PrescriberRequest Poll(PrescriberRequest request, Prescriber prescriber, DateOnly today)
    {
        if (request.Status != "pending")
        {
            return request;
        }

        var polled = request with { Polls = request.Polls + 1 };
        if (polled.Polls < prescriber.AnswerAfterPolls)
        {
            return polled;
        }

        var approve = prescriber.RenewalPolicy == "approve";
        return polled with { Status = approve ? "approved" : "denied", RefillsAuthorized = approve ? prescriber.RenewalRefills : 0, AnsweredOn = Iso(today) };
    }

    private static JsonObject Check(string name, bool passed, string detail) => new() { ["check"] = name, ["passed"] = passed, ["detail"] = detail };
}
