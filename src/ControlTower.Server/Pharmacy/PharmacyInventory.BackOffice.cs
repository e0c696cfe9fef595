using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// The back office's reads and changes on the state file. Reads take no lock (every write is a whole-file rename);
/// changes (claims, renewal requests and their polls) go through the same locked, idempotent path as stock.
/// Dates: the back office's own <see cref="BackOffice.Today"/>, unless the caller names another day.
/// </summary>
internal sealed partial class PharmacyInventory
{
    public const int MaxFills = 10_000;

    public async Task<JsonObject> PatientAsync(string patientId, CancellationToken cancellationToken)
    {
        var office = Office((await ViewAsync(cancellationToken)).BackOffice);
        return FindPatient(office, patientId).ToJson(office.Prescriptions.Values);
    }

    public async Task<JsonObject> PrescriptionAsync(string rx, CancellationToken cancellationToken)
    {
        var office = Office((await ViewAsync(cancellationToken)).BackOffice);
        return PrescriptionJson(office, FindPrescription(office, rx));
    }

    public async Task<JsonObject> EligibilityAsync(string rx, string? today, CancellationToken cancellationToken)
    {
        var office = Office((await ViewAsync(cancellationToken)).BackOffice);
        return PharmacyChecks.Eligibility(FindPrescription(office, rx), Day(office, today));
    }

    public async Task<JsonObject> InteractionsAsync(string patientId, string drug, CancellationToken cancellationToken)
    {
        var office = Office((await ViewAsync(cancellationToken)).BackOffice);
        return PharmacyChecks.Interactions(FindPatient(office, patientId), drug, office.Prescriptions.Values);
    }

    public async Task<JsonObject> PreverifyAsync(string rx, CancellationToken cancellationToken)
    {
        var office = Office((await ViewAsync(cancellationToken)).BackOffice);
        var prescription = FindPrescription(office, rx);
        return PharmacyChecks.Preverify(prescription, FindPatient(office, prescription.PatientId));
    }

    /// <summary>Sends a claim for one fill to the patient's plan; an approved renewal request (<paramref name="requestId"/>) counts its refills.</summary>
    public Task<JsonObject> AdjudicateAsync(string rx, string? today, string? requestId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject { ["rx"] = rx, ["today"] = today, ["prescriber_request_id"] = requestId };
        return ChangeAsync("adjudicate_claim", arguments, idempotencyKey, document =>
        {
            var office = Office(document.BackOffice);
            var prescription = FindPrescription(office, rx);
            var patient = FindPatient(office, prescription.PatientId);
            var plan = office.Plans[patient.PlanId];
            var authorized = 0;
            if (requestId is not null)
            {
                var request = FindRequest(office, requestId);
                authorized = request.Rx == prescription.Rx && request.Status == "approved" ? request.RefillsAuthorized : 0;
            }

            var claim = PharmacyChecks.Adjudicate($"CLM-{office.Claims.Count + 1:D5}", prescription, plan, Day(office, today), authorized);
            var claims = new Dictionary<string, Claim>(office.Claims, StringComparer.Ordinal) { [claim.Id] = claim };
            return (document with { BackOffice = office with { Claims = claims } }, PharmacyChecks.ToJson(claim, plan));
        }, cancellationToken);
    }

    /// <summary>Asks the prescriber to renew <paramref name="rx"/>; the answer comes later (<see cref="PrescriberResponseAsync"/>).</summary>
    public Task<JsonObject> RequestPrescriberAsync(string rx, string reason, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject { ["rx"] = rx, ["reason"] = reason };
        return ChangeAsync("request_prescriber_approval", arguments, idempotencyKey, document =>
        {
            var office = Office(document.BackOffice);
            var prescription = FindPrescription(office, rx);
            var request = new PrescriberRequest($"PR-{office.Requests.Count + 1:D5}", prescription.Rx, prescription.PrescriberId, reason, office.Today, 0, "pending", 0, null);
            var requests = new Dictionary<string, PrescriberRequest>(office.Requests, StringComparer.Ordinal) { [request.Id] = request };
            return (document with { BackOffice = office with { Requests = requests } }, RequestJson(office, request));
        }, cancellationToken);
    }

    /// <summary>One poll of a renewal request: <c>pending</c> until the prescriber's office has been asked enough times, then its answer.</summary>
    public Task<JsonObject> PrescriberResponseAsync(string requestId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject { ["request_id"] = requestId };
        return ChangeAsync("get_prescriber_response", arguments, idempotencyKey, document =>
        {
            var office = Office(document.BackOffice);
            var request = FindRequest(office, requestId);
            var polled = PharmacyChecks.Poll(request, office.Prescribers[request.PrescriberId], PharmacyChecks.Date(office.Today));
            var requests = new Dictionary<string, PrescriberRequest>(office.Requests, StringComparer.Ordinal) { [polled.Id] = polled };
            return (document with { BackOffice = office with { Requests = requests } }, RequestJson(office, polled));
        }, cancellationToken);
    }

    private static BackOffice? WithFill(BackOffice? office, Fill fill) =>
        office is null || !office.Prescriptions.ContainsKey(fill.Rx) ? office : office with { Fills = [.. office.Fills.TakeLast(MaxFills - 1), fill] };

    private static JsonObject PrescriptionJson(BackOffice office, Prescription rx)
    {
        var patient = FindPatient(office, rx.PatientId);
        return new JsonObject
        {
            ["rx"] = rx.Rx,
            ["patient_id"] = rx.PatientId,
            ["patient_name"] = patient.Name,
            ["prescriber_id"] = rx.PrescriberId,
            ["prescriber_name"] = office.Prescribers.TryGetValue(rx.PrescriberId, out var prescriber) ? prescriber.Name : null,
            ["plan_id"] = patient.PlanId,
            ["drug"] = rx.Drug,
            ["strength"] = rx.Strength,
            ["quantity"] = rx.Quantity,
            ["days_supply"] = rx.DaysSupply,
            ["refills_remaining"] = rx.RefillsRemaining,
            ["last_fill_date"] = rx.LastFillDate,
            ["written_date"] = rx.WrittenDate,
            ["controlled_schedule"] = rx.ControlledSchedule,
            ["controlled"] = rx.ControlledSchedule is not null,
            ["sig"] = rx.Sig,
            ["fills_recorded"] = office.Fills.Count(f => f.Rx == rx.Rx),
        };
    }

    private static JsonObject RequestJson(BackOffice office, PrescriberRequest request) => new()
    {
        ["request_id"] = request.Id,
        ["rx"] = request.Rx,
        ["prescriber_id"] = request.PrescriberId,
        ["prescriber_name"] = office.Prescribers[request.PrescriberId].Name,
        ["status"] = request.Status,
        ["answered"] = request.Status != "pending",
        ["refills_authorized"] = request.RefillsAuthorized,
        ["polls"] = request.Polls,
        ["requested_on"] = request.RequestedOn,
        ["answered_on"] = request.AnsweredOn,
    };

    private BackOffice Office(BackOffice? office) =>
        office ?? throw new ControlTowerException(ErrorKind.NotFound, PharmacyErrorCodes.BackOfficeMissing,
            $"The state file {FilePath} holds stock only (no patients or prescriptions); start the server with --seed on a new file.");

    private static Patient FindPatient(BackOffice office, string patientId) =>
        office.Patients.GetValueOrDefault(patientId.Trim())
        ?? throw new ControlTowerException(ErrorKind.NotFound, PharmacyErrorCodes.UnknownPatient, $"No patient '{patientId}'.");

    private static Prescription FindPrescription(BackOffice office, string rx) =>
        office.Prescriptions.GetValueOrDefault(rx.Trim())
        ?? throw new ControlTowerException(ErrorKind.NotFound, PharmacyErrorCodes.UnknownPrescription, $"No prescription '{rx}'.");

    private static PrescriberRequest FindRequest(BackOffice office, string requestId) =>
        office.Requests.GetValueOrDefault(requestId.Trim())
        ?? throw new ControlTowerException(ErrorKind.NotFound, PharmacyErrorCodes.UnknownRequest, $"No prescriber request '{requestId}'.");

    /// <summary>The day a question is asked on: the caller's <paramref name="today"/> (yyyy-MM-dd) or the back office's date.</summary>
    private static DateOnly Day(BackOffice office, string? today)
    {
        if (today is null)
        {
            return PharmacyChecks.Date(office.Today);
        }

        return DateOnly.TryParseExact(today, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new ControlTowerException(ErrorKind.Validation, PharmacyErrorCodes.ArgumentsInvalid, $"today '{today}' is not a date (yyyy-MM-dd).");
    }
}
