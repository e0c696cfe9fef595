using System.Text.Json.Nodes;

namespace ControlTower.Server.Demo.Scenarios;

/// <summary>What a scenario's run is expected to end as: the run's phase, the body's <c>reason</c> when it fails, and whether a person must decide.</summary>
internal sealed record ScenarioExpectation(string Phase, string? Reason, string PersonDecides);

/// <summary>A scenario template: a real refill of a named prescription of the pharmacy's back office.</summary>
internal sealed record DemoScenario(string Id, string Title, string Description, JsonObject Input, ScenarioExpectation Expected);

/// <summary>
/// The pharmacy demo's scenario templates. Each is a refill of one of the named prescriptions the back office seeds
/// the same way for every seed (<see cref="Pharmacy.PharmacySeed.NamedPrescriptions"/>), so its path through the
/// refill workflow follows from the prescription's facts. <c>PersonDecides</c>: <c>never</c>, <c>always</c> (a rule
/// sends the dispense to a pharmacist whatever the trust stage), or <c>below_guarded_auto</c> (the dispense scope's
/// stage decides).
/// </summary>
internal static class DemoScenarios
{
    public const string Never = "never";
    public const string Always = "always";
    public const string BelowGuardedAuto = "below_guarded_auto";

    public static IReadOnlyList<DemoScenario> All { get; } =
    [
        new("happy_path", "Happy path",
            "RX-1001, atorvastatin for Maria Lopez: refills left, due, claim paid, checks pass. " +
                "The pharmacist verifies the dispense until the dispense scope has earned guarded_auto; then it completes with nobody.",
            Rx("RX-1001"), new("completed", null, BelowGuardedAuto)),
        new("controlled_substance", "Controlled substance",
            "RX-1003, oxycodone (C-II) for Aisha Khan: the rule controlled_substance sends the dispense to a pharmacist for a second count at every trust stage.",
            Rx("RX-1003"), new("completed", null, Always)),
        new("insurance_reject", "Insurance reject",
            "RX-1005, apixaban for Grace Park: her plan (MediPlus) answers the claim with reject 75, prior authorization required. The case fails before any dispense.",
            Rx("RX-1005"), new("failed", "claim_rejected", Never)),
        new("prescriber_denial", "Prescriber denial",
            "RX-1006, metformin for Omar Haddad: no refills remain, so the workflow asks Dr. Okafor for a renewal and polls until the office answers: denied.",
            Rx("RX-1006"), new("failed", "prescriber_denied", Never)),
        new("early_refill", "Early refill",
            "RX-1007, lisinopril for Lena Novak: filled 10 days ago with a 30-day supply, so the refill is too early.",
            Rx("RX-1007"), new("failed", "too_early", Never)),
        new("interaction_alert", "Interaction alert",
            "RX-1008, ibuprofen for Henry Walsh, who takes warfarin (RX-1009): a major interaction. " +
                "The rule interaction_alert sends the dispense to a pharmacist at every stage; rejecting it fails the case (declined), approving it dispenses.",
            Rx("RX-1008"), new("failed", "declined", Always)),
        new("out_of_stock", "Out of stock",
            "RX-1004, 21 amoxicillin capsules for Tom Becker with 12 on the shelf: the dispense fails (pharmacy.insufficient_stock) and the case ends not dispensed. " +
                "A delivery (DEL-2001) makes it pass.",
            Rx("RX-1004"), new("failed", "not_dispensed", BelowGuardedAuto)),
    ];

    public static DemoScenario? Find(string id) => All.FirstOrDefault(s => s.Id == id);

    private static JsonObject Rx(string rx) => new() { ["rx"] = rx };
}
