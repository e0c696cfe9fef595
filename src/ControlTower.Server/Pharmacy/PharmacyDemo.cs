using System.Text.Json.Nodes;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// The shipped demo: a retail pharmacy's prescription refills (DESIGN.md, the demo). A refill request
/// is normalised; with refills left it goes straight to pre-verification, otherwise the prescriber must
/// approve a renewal first (a join: pre-verification runs on whichever path was taken, the other is
/// skipped). Pre-verification computes the checks the pharmacist sees as evidence; the pharmacist's
/// decision either dispenses or declines. Dispensing is a governed action on the pharmacy's inventory MCP
/// server (<see cref="PharmacyMcpServer"/>): its gate lets it run after the pharmacist's approval, the rule set
/// <see cref="DispenseRuleSetId"/> asks for a second check of controlled substances and large quantities, the
/// execution records the stock before and after, and it can be rolled back (a restock) for
/// <see cref="RollbackWindowSeconds"/>. Short stock fails the dispense, which the workflow catches as "not dispensed".
/// </summary>
internal static class PharmacyDemo
{
    public const string RefillWorkflowName = "Prescription refill";
    public const string DeliveryWorkflowName = "Stock delivery";
    public const string DispenseActionType = "pharmacy.dispense";
    public const string RestockActionType = "pharmacy.restock";
    public const string DispenseRuleSetId = "pharmacy-dispense";
    public const int RollbackWindowSeconds = 1800;

    /// <summary>The trust scope of the demo's dispenses: one store's refill queue, dispensed by its pharmacists.</summary>
    public static readonly Core.Trust.TrustScope DispenseScope = new("acme-pharmacy", "store-001", "refill", DispenseActionType, "pharmacist");

    /// <summary>Sample requests started on first start, so the inbox and the runs page have something to show.</summary>
    public static readonly IReadOnlyList<JsonObject> SampleRequests =
    [
        Request("RX-1001", "Maria Lopez", "Atorvastatin 20 mg", 30, refillsLeft: 2, daysSinceLastFill: 28, controlled: false),
        Request("RX-1002", "James Chen", "Lisinopril 10 mg", 90, refillsLeft: 0, daysSinceLastFill: 85, controlled: false),
        Request("RX-1003", "Aisha Khan", "Oxycodone 5 mg", 20, refillsLeft: 1, daysSinceLastFill: 12, controlled: true),
        Request("RX-1004", "Tom Becker", "Amoxicillin 500 mg", 21, refillsLeft: 1, daysSinceLastFill: 30, controlled: false),
    ];

    /// <summary>The shelf on first start: enough for RX-1001 to RX-1003, too little amoxicillin for RX-1004.</summary>
    public static readonly IReadOnlyList<StockItem> Stock =
    [
        new("Atorvastatin 20 mg", 500, "tablets", Controlled: false, ReorderLevel: 100),
        new("Lisinopril 10 mg", 360, "tablets", Controlled: false, ReorderLevel: 90),
        new("Oxycodone 5 mg", 60, "tablets", Controlled: true, ReorderLevel: 20),
        new("Amoxicillin 500 mg", 12, "capsules", Controlled: false, ReorderLevel: 50),
        new("Metformin 500 mg", 1000, "tablets", Controlled: false, ReorderLevel: 200),
        new("Apixaban 5 mg", 240, "tablets", Controlled: false, ReorderLevel: 60),
        new("Warfarin 5 mg", 300, "tablets", Controlled: false, ReorderLevel: 60),
        new("Ibuprofen 400 mg", 600, "tablets", Controlled: false, ReorderLevel: 120),
        new("Sertraline 50 mg", 600, "tablets", Controlled: false, ReorderLevel: 120),
        new("Tramadol 50 mg", 200, "tablets", Controlled: true, ReorderLevel: 50),
    ];

    /// <summary>
    /// What a governed dispense is checked against before its gate (input: the proposal and the run input):
    /// controlled substances and quantities over 60 need a second pharmacist's look, whatever the gate says.
    /// </summary>
    public static JsonObject DispenseRules() => new()
    {
        ["hitPolicy"] = "collect",
        ["inputSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["actionType"] = new JsonObject { ["type"] = "string" },
                ["arguments"] = new JsonObject { ["type"] = "object" },
                ["input"] = new JsonObject { ["type"] = "object" },
            },
        },
        ["rules"] = new JsonArray(
            new JsonObject
            {
                ["id"] = "controlled_substance",
                ["description"] = "Controlled substances are counted by a second pharmacist.",
                ["condition"] = "has(input.controlled) && input.controlled == true",
                ["priority"] = 10,
                ["action"] = new JsonObject { ["type"] = "require_approval", ["reason"] = "controlled substance: second count" },
            },
            new JsonObject
            {
                ["id"] = "large_quantity",
                ["description"] = "More than a 60-unit fill gets a second look.",
                ["condition"] = "arguments.quantity > 60",
                ["priority"] = 5,
                ["action"] = new JsonObject { ["type"] = "require_approval", ["reason"] = "quantity over 60" },
            }),
    };

    public static JsonObject RefillGraph() => new()
    {
        ["version"] = "1.0",
        ["nodes"] = new JsonArray(
            Node("refill_request", "trigger.manual", "Refill request", 0, 160, []),
            Node("normalize", "transform", "Normalise request", 240, 160, new JsonObject
            {
                ["expression"] = """
                    {'rx': input.rx, 'patient': input.patient, 'drug': input.drug, 'quantity': input.quantity,
                     'refills_left': input.refills_left, 'days_since_last_fill': input.days_since_last_fill,
                     'controlled': input.controlled}
                    """,
            }),
            Node("has_refills", "condition", "Refills left?", 480, 160, new JsonObject { ["expression"] = "nodes.normalize.output.refills_left > 0" }),
            Node("prescriber_approval", "approval", "Prescriber approval", 720, 300, new JsonObject
            {
                ["title"] = "Renew {{ nodes.normalize.output.drug }} for {{ nodes.normalize.output.patient }}",
                ["instructions"] = "No refills remain on {{ nodes.normalize.output.rx }}. Approve a renewal to continue the refill.",
                ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
                ["expiresAfterSeconds"] = 172800,
                ["evidence"] = "nodes.normalize.output",
            }),
            Node("pre_verification", "transform", "Pre-verification", 960, 160, new JsonObject
            {
                ["expression"] = """
                    {'rx': nodes.normalize.output.rx,
                     'too_early': nodes.normalize.output.days_since_last_fill < 21,
                     'controlled_substance': nodes.normalize.output.controlled,
                     'needs_counselling': nodes.normalize.output.controlled || nodes.normalize.output.quantity > 60,
                     'checks': ['identity', 'allergies', 'interactions', 'dose']}
                    """,
            }),
            Node("pharmacist_decision", "approval", "Pharmacist decision", 1200, 160, new JsonObject
            {
                ["title"] = "Verify {{ nodes.normalize.output.rx }}: {{ nodes.normalize.output.drug }} x{{ nodes.normalize.output.quantity }}",
                ["instructions"] = "Review the pre-verification checks, then approve to dispense or reject to decline.",
                ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
                ["expiresAfterSeconds"] = 86400,
                ["evidence"] = "{'request': nodes.normalize.output, 'checks': nodes.pre_verification.output}",
            }),
            Node("dispense", "governed.action", "Dispense", 1440, 80, new JsonObject
            {
                ["actionType"] = DispenseActionType,
                ["server"] = PharmacyMcpCommand.ServerId,
                ["tool"] = "dispense",
                ["arguments"] = new JsonObject
                {
                    ["rx"] = "{{ nodes.normalize.output.rx }}",
                    ["drug"] = "{{ nodes.normalize.output.drug }}",
                    ["quantity"] = "{{ nodes.normalize.output.quantity }}",
                },
                ["ruleSetId"] = DispenseRuleSetId,
                ["scope"] = new JsonObject
                {
                    ["tenant"] = DispenseScope.Tenant,
                    ["site"] = DispenseScope.Site,
                    ["queue"] = DispenseScope.Queue,
                    ["role"] = DispenseScope.Role,
                },
                ["features"] = new JsonObject
                {
                    ["quantity"] = "{{ nodes.normalize.output.quantity }}",
                    ["controlled"] = "{{ nodes.normalize.output.controlled }}",
                    ["refills_left"] = "{{ nodes.normalize.output.refills_left }}",
                    ["days_since_last_fill"] = "{{ nodes.normalize.output.days_since_last_fill }}",
                    ["drug"] = "{{ nodes.normalize.output.drug }}",
                },
                ["readState"] = new JsonObject
                {
                    ["tool"] = "get_stock",
                    ["arguments"] = new JsonObject { ["drug"] = "{{ nodes.normalize.output.drug }}" },
                },
                ["compensation"] = new JsonObject
                {
                    ["tool"] = "restock",
                    ["arguments"] = new JsonObject
                    {
                        ["drug"] = "{{ result.drug }}",
                        ["quantity"] = "{{ result.dispensed }}",
                        ["reason"] = "dispense of {{ result.rx }} rolled back",
                    },
                    ["windowSeconds"] = RollbackWindowSeconds,
                },
                ["approval"] = new JsonObject
                {
                    ["title"] = "Second check {{ nodes.normalize.output.rx }}: dispense {{ nodes.normalize.output.drug }} x{{ nodes.normalize.output.quantity }}",
                    ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
                    ["expiresAfterSeconds"] = 86400,
                },
            }),
            Node("dispensed", "respond", "Ready for pickup", 1680, 80, new JsonObject
            {
                ["body"] = """
                    {'status': 'ready_for_pickup', 'rx': nodes.normalize.output.rx, 'patient': nodes.normalize.output.patient,
                     'executionId': nodes.dispense.output.executionId, 'on_hand': nodes.dispense.output.after.on_hand}
                    """,
            }),
            Node("not_dispensed", "respond", "Not dispensed", 1680, 200, new JsonObject
            {
                ["body"] = "{'status': 'not_dispensed', 'rx': nodes.normalize.output.rx, 'reason': 'the dispense failed: see the dispense node (e.g. short stock)'}",
            }),
            Node("declined", "respond", "Declined", 1440, 320, new JsonObject
            {
                ["body"] = "{'status': 'declined', 'rx': nodes.normalize.output.rx}",
            })),
        ["edges"] = new JsonArray(
            Edge("refill_request", "normalize"),
            Edge("normalize", "has_refills"),
            Edge("has_refills", "pre_verification", "true"),
            Edge("has_refills", "prescriber_approval", "false"),
            Edge("prescriber_approval", "pre_verification", "approved"),
            Edge("prescriber_approval", "declined", "rejected"),
            Edge("prescriber_approval", "declined", "expired"),
            Edge("pre_verification", "pharmacist_decision"),
            Edge("pharmacist_decision", "dispense", "approved"),
            Edge("pharmacist_decision", "declined", "rejected"),
            Edge("pharmacist_decision", "declined", "expired"),
            Edge("dispense", "dispensed"),
            Edge("dispense", "declined", "rejected"),
            Edge("dispense", "not_dispensed", "error")),
        ["config"] = new JsonObject(),
    };

    /// <summary>
    /// A technician books a delivery onto the shelf: a governed <c>restock</c> whose gate is revoked, so every delivery
    /// waits for a pharmacist's approval (the evidence shows the proposal and the gate) before the count changes.
    /// </summary>
    public static JsonObject DeliveryGraph() => new()
    {
        ["version"] = "1.0",
        ["nodes"] = new JsonArray(
            Node("delivery", "trigger.manual", "Delivery received", 0, 120, []),
            Node("restock", "governed.action", "Restock", 240, 120, new JsonObject
            {
                ["actionType"] = RestockActionType,
                ["server"] = PharmacyMcpCommand.ServerId,
                ["tool"] = "restock",
                ["arguments"] = new JsonObject
                {
                    ["drug"] = "{{ input.drug }}",
                    ["quantity"] = "{{ input.quantity }}",
                    ["reason"] = "delivery {{ input.delivery }}",
                },
                ["readState"] = new JsonObject
                {
                    ["tool"] = "get_stock",
                    ["arguments"] = new JsonObject { ["drug"] = "{{ input.drug }}" },
                },
                ["approval"] = new JsonObject
                {
                    ["title"] = "Book delivery {{ input.delivery }}: {{ input.drug }} +{{ input.quantity }}",
                    ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
                    ["expiresAfterSeconds"] = 172800,
                },
            }),
            Node("booked", "respond", "On the shelf", 480, 40, new JsonObject
            {
                ["body"] = "{'status': 'booked', 'delivery': input.delivery, 'on_hand': nodes.restock.output.after.on_hand}",
            }),
            Node("refused", "respond", "Refused", 480, 200, new JsonObject
            {
                ["body"] = "{'status': 'refused', 'delivery': input.delivery}",
            })),
        ["edges"] = new JsonArray(
            Edge("delivery", "restock"),
            Edge("restock", "booked"),
            Edge("restock", "refused", "rejected")),
        ["config"] = new JsonObject(),
    };

    /// <summary>The delivery waiting on first start: the amoxicillin RX-1004 is short of.</summary>
    public static JsonObject SampleDelivery { get; } = new()
    {
        ["delivery"] = "DEL-2001",
        ["drug"] = "Amoxicillin 500 mg",
        ["quantity"] = 100,
    };

    private static JsonObject Request(string rx, string patient, string drug, int quantity, int refillsLeft, int daysSinceLastFill, bool controlled) => new()
    {
        ["rx"] = rx,
        ["patient"] = patient,
        ["drug"] = drug,
        ["quantity"] = quantity,
        ["refills_left"] = refillsLeft,
        ["days_since_last_fill"] = daysSinceLastFill,
        ["controlled"] = controlled,
    };

    private static JsonObject Node(string id, string type, string name, double x, double y, JsonObject config) => new()
    {
        ["id"] = id,
        ["type"] = type,
        ["name"] = name,
        ["config"] = config,
        ["position"] = new JsonObject { ["x"] = x, ["y"] = y },
    };

    private static JsonObject Edge(string source, string target, string handle = "success") =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = handle, ["targetHandle"] = "in" };
}
