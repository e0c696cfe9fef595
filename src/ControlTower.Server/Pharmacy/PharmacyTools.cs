using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace ControlTower.Server.Pharmacy;

/// <summary>A tool the pharmacy server lists: its input schema (checked before the call) and output schema (what <c>structuredContent</c> holds).</summary>
internal sealed record PharmacyToolSpec(string Name, string Description, bool ReadOnly, JsonObject Schema, JsonObject Output)
{
    public Tool ToTool() => new()
    {
        Name = Name,
        Description = Description,
        InputSchema = JsonSerializer.SerializeToElement(Schema),
        OutputSchema = JsonSerializer.SerializeToElement(Output),
        Annotations = new ToolAnnotations { ReadOnlyHint = ReadOnly, DestructiveHint = false, IdempotentHint = ReadOnly, OpenWorldHint = false },
    };
}

/// <summary>The pharmacy server's tool list: the four stock tools (names and argument shapes unchanged) and the back office.</summary>
internal static class PharmacyTools
{
    private static readonly JsonObject DrugProperty = new()
    {
        ["type"] = "string",
        ["minLength"] = 1,
        ["maxLength"] = 200,
        ["description"] = "The drug as stocked, e.g. 'Atorvastatin 20 mg' (case-insensitive).",
    };

    private static readonly JsonObject QuantityProperty = new()
    {
        ["type"] = "integer",
        ["minimum"] = 1,
        ["maximum"] = 100000,
        ["description"] = "Units (tablets, capsules) to move.",
    };

    private static readonly JsonObject RxProperty = new() { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 64, ["description"] = "The prescription number, e.g. 'RX-1001'." };

    private static readonly JsonObject TodayProperty = new()
    {
        ["type"] = new JsonArray("string", "null"),
        ["pattern"] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        ["description"] = "The day to judge on (yyyy-MM-dd); null or absent: the back office's business date.",
    };

    private static readonly JsonObject StockOutput = Out(("drug", "string"), ("on_hand", "integer"), ("unit", "string"),
        ("controlled", "boolean"), ("reorder_level", "integer"), ("below_reorder_level", "boolean"));

    private static readonly JsonObject RequestOutput = Out(("request_id", "string"), ("rx", "string"), ("prescriber_id", "string"), ("prescriber_name", "string"),
        ("status", "string"), ("answered", "boolean"), ("refills_authorized", "integer"), ("polls", "integer"), ("requested_on", "string"), ("answered_on", "string|null"));

    public static IReadOnlyList<PharmacyToolSpec> All { get; } =
    [
        new("list_stock", "Every stocked drug with its on-hand quantity and reorder level.", ReadOnly: true,
            Schema(new JsonObject()), Out(("items", "array"))),
        new("get_stock", "One drug's on-hand quantity, unit, controlled flag and reorder level.", ReadOnly: true,
            Schema(new JsonObject { ["drug"] = DrugProperty.DeepClone() }, "drug"), StockOutput.DeepClone().AsObject()),
        new("dispense",
            "Takes a prescription's quantity off the shelf. Fails (isError) without changing stock when fewer units are on hand. Idempotent under the _meta idempotency key.", ReadOnly: false,
            Schema(new JsonObject
            {
                ["rx"] = RxProperty.DeepClone(),
                ["drug"] = DrugProperty.DeepClone(),
                ["quantity"] = QuantityProperty.DeepClone(),
            }, "rx", "drug", "quantity"),
            Out(("rx", "string"), ("drug", "string"), ("dispensed", "integer"), ("on_hand", "integer"), ("unit", "string"), ("replayed", "boolean"))),
        new("restock", "Puts units back on the shelf: a delivery, or the undo of a dispense. Idempotent under the _meta idempotency key.", ReadOnly: false,
            Schema(new JsonObject
            {
                ["drug"] = DrugProperty.DeepClone(),
                ["quantity"] = QuantityProperty.DeepClone(),
                ["reason"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 500, ["description"] = "Why the stock comes back (kept with the change)." },
            }, "drug", "quantity", "reason"),
            Out(("drug", "string"), ("restocked", "integer"), ("on_hand", "integer"), ("unit", "string"), ("reason", "string"), ("replayed", "boolean"))),
        new("get_patient", "A patient: name, date of birth, insurance plan, allergies (drug classes), outside medicines and prescription numbers.", ReadOnly: true,
            Schema(new JsonObject { ["patient_id"] = Id("The patient id, e.g. 'P-1001'.") }, "patient_id"),
            Out(("patient_id", "string"), ("name", "string"), ("date_of_birth", "string"), ("plan_id", "string"), ("allergies", "array"), ("other_medications", "array"), ("prescriptions", "array"))),
        new("get_prescription", "A prescription: patient, prescriber, plan, drug, strength, quantity, days' supply, refills remaining, last fill date and controlled schedule.", ReadOnly: true,
            Schema(new JsonObject { ["rx"] = RxProperty.DeepClone() }, "rx"),
            Out(("rx", "string"), ("patient_id", "string"), ("patient_name", "string"), ("prescriber_id", "string"), ("plan_id", "string"), ("drug", "string"), ("strength", "string"),
                ("quantity", "integer"), ("days_supply", "integer"), ("refills_remaining", "integer"), ("last_fill_date", "string|null"), ("controlled_schedule", "string|null"),
                ("controlled", "boolean"), ("fills_recorded", "integer"))),
        new("check_refill_eligibility",
            "Whether a prescription may be filled today: first_fill or eligible, no_refills_remaining (ask the prescriber) " +
            "or too_early (by days' supply; controlled substances wait longer).", ReadOnly: true,
            Schema(new JsonObject { ["rx"] = RxProperty.DeepClone(), ["today"] = TodayProperty.DeepClone() }, "rx"),
            Out(("rx", "string"), ("eligible", "boolean"), ("reason", "string"), ("next_step", "string"), ("refills_remaining", "integer"), ("last_fill_date", "string|null"),
                ("days_supply", "integer"), ("days_since_last_fill", "integer|null"), ("earliest_fill_date", "string|null"), ("controlled_schedule", "string|null"), ("today", "string"))),
        new("check_interactions", "Interactions of a drug with the patient's other prescriptions and outside medicines (severity major, moderate or none).", ReadOnly: true,
            Schema(new JsonObject { ["patient_id"] = Id("The patient id, e.g. 'P-1001'."), ["drug"] = DrugProperty.DeepClone() }, "patient_id", "drug"),
            Out(("patient_id", "string"), ("drug", "string"), ("checked_against", "array"), ("interactions", "array"), ("highest_severity", "string"))),
        new("adjudicate_claim",
            "Submits the claim for one fill to the patient's plan: paid (plan and patient shares) or rejected with NCPDP reject codes " +
            "(75 prior authorization required, 79 refill too soon, 76 plan limitations exceeded, MR no refills authorized). " +
            "Idempotent under the _meta idempotency key.", ReadOnly: false,
            Schema(new JsonObject
            {
                ["rx"] = RxProperty.DeepClone(),
                ["today"] = TodayProperty.DeepClone(),
                ["prescriber_request_id"] = OptionalId("An approved renewal request whose refills the claim may use (null: none)."),
            }, "rx"),
            Out(("claim_id", "string"), ("rx", "string"), ("plan_id", "string"),
                ("status", "string"), ("paid", "boolean"), ("reject_codes", "array"), ("plan_pays", "number"), ("patient_pays", "number"))),
        new("request_prescriber_approval",
            "Asks the prescriber to renew a prescription. Answered later: poll get_prescriber_response with the request id. Idempotent under the _meta idempotency key.", ReadOnly: false,
            Schema(new JsonObject
            {
                ["rx"] = RxProperty.DeepClone(),
                ["reason"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 500, ["description"] = "Why the renewal is asked for." },
            }, "rx", "reason"),
            RequestOutput.DeepClone().AsObject()),
        new("get_prescriber_response",
            "The prescriber's answer to a renewal request: pending until the office answers (after a fixed number of polls), then approved (with refills) or denied.", ReadOnly: false,
            Schema(new JsonObject { ["request_id"] = Id("The id request_prescriber_approval answered, e.g. 'PR-00001'.") }, "request_id"),
            RequestOutput.DeepClone().AsObject()),
        new("preverify", "The pharmacist's pre-verification of a prescription: identity, allergies (drug class), dose against the daily maximum, formulary.", ReadOnly: true,
            Schema(new JsonObject { ["rx"] = RxProperty.DeepClone() }, "rx"),
            Out(("rx", "string"), ("passed", "boolean"), ("checks", "array"), ("controlled_schedule", "string|null"), ("counselling_required", "boolean"))),
    ];

    private static JsonObject OptionalId(string description) =>
        new() { ["type"] = new JsonArray("string", "null"), ["minLength"] = 1, ["maxLength"] = 64, ["description"] = description };

    private static JsonObject Id(string description) => new() { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 64, ["description"] = description };

    private static JsonObject Schema(JsonObject properties, params string[] required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        return schema;
    }

    /// <summary>An output schema: every listed property is present; <c>"string|null"</c> allows null.</summary>
    private static JsonObject Out(params (string Name, string Type)[] properties)
    {
        var shape = new JsonObject();
        foreach (var (name, type) in properties)
        {
            shape[name] = new JsonObject
            {
                ["type"] = type.Contains('|', StringComparison.Ordinal) ? new JsonArray([.. type.Split('|').Select(t => (JsonNode)t)]) : type,
            };
        }

        return new JsonObject { ["type"] = "object", ["properties"] = shape, ["required"] = new JsonArray([.. properties.Select(p => (JsonNode)p.Name)]) };
    }
}
