using System.Text.Json.Nodes;

namespace ControlTower.Server.Pharmacy;

/// <summary>
/// The shipped demo: a retail pharmacy's prescription refills (DESIGN.md, the demo). A refill names a prescription;
/// the workflow looks its facts up in the pharmacy's back office (<see cref="PharmacyMcpServer"/>), checks
/// eligibility, asks the prescriber for a renewal when no refills remain (answered later: the workflow polls),
/// checks interactions, claims the fill from the patient's plan and pre-verifies it. Dispensing is a governed action
/// on the same server: the pharmacist's verification is its approval, asked when the dispense scope's trust stage
/// (or the gate, or a rule of <see cref="DispenseRuleSetId"/>: controlled substances, major interactions, large
/// quantities) wants a person. The execution records the stock before and after and can be rolled back (a restock)
/// for <see cref="RollbackWindowSeconds"/>. Short stock fails the dispense, which the workflow catches as "not dispensed".
/// </summary>
internal static class PharmacyDemo
{
    public const string RefillWorkflowName = "Prescription refill";
    public const string DeliveryWorkflowName = "Stock delivery";
    public const string DispenseActionType = "pharmacy.dispense";
    public const string RestockActionType = "pharmacy.restock";
    public const string DispenseRuleSetId = "pharmacy-dispense";
    public const int RollbackWindowSeconds = 1800;

    /// <summary>The dispense rule <c>large_quantity</c>: a fill of more than this many units asks a person.</summary>
    public const int LargeQuantityAbove = 60;

    /// <summary>The trust scope of the demo's dispenses: one store's refill queue, dispensed by its pharmacists.</summary>
    public static readonly Core.Trust.TrustScope DispenseScope = new("acme-pharmacy", "store-001", "refill", DispenseActionType, "pharmacist");

    /// <summary>
    /// Sample requests started on first start, so the inbox and the runs page have something to show: a routine refill,
    /// a renewal the prescriber grants (then a large quantity), a controlled substance and a drug that is short.
    /// </summary>
    public static readonly IReadOnlyList<JsonObject> SampleRequests =
    [
        new() { ["rx"] = "RX-1001" },
        new() { ["rx"] = "RX-1002" },
        new() { ["rx"] = "RX-1003" },
        new() { ["rx"] = "RX-1004" },
    ];

    /// <summary>The shelf on first start: enough for the named prescriptions but RX-1004 (too little amoxicillin).</summary>
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
    /// What a governed dispense is checked against before its gate and trust stage (input: the proposal, the run input
    /// and the node's features): controlled substances, major interactions and quantities over 60 go to a pharmacist,
    /// whatever the gate or the stage says.
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
                ["features"] = new JsonObject { ["type"] = "object" },
            },
        },
        ["rules"] = new JsonArray(
            new JsonObject
            {
                ["id"] = "controlled_substance",
                ["description"] = "Controlled substances are counted by a second pharmacist.",
                ["condition"] = "has(features.controlled) && features.controlled == true",
                ["priority"] = 10,
                ["action"] = new JsonObject { ["type"] = "require_approval", ["reason"] = "controlled substance: second count" },
            },
            new JsonObject
            {
                ["id"] = "large_quantity",
                ["description"] = $"More than a {LargeQuantityAbove}-unit fill gets a second look.",
                ["condition"] = $"arguments.quantity > {LargeQuantityAbove}",
                ["priority"] = 5,
                ["action"] = new JsonObject { ["type"] = "require_approval", ["reason"] = $"quantity over {LargeQuantityAbove}" },
            },
            new JsonObject
            {
                ["id"] = "interaction_alert",
                ["description"] = "A major interaction with the patient's other medicines: the pharmacist reviews it.",
                ["condition"] = "has(features.interaction_severity) && features.interaction_severity == 'major'",
                ["priority"] = 8,
                ["action"] = new JsonObject { ["type"] = "require_approval", ["reason"] = "major drug interaction" },
            }),
    };

    /// <summary>
    /// The refill of one prescription, <c>{ "rx": "RX-…", "today"?: "yyyy-MM-dd" }</c>, through its lifecycle (graph
    /// <c>config.phases</c>, shown on the run): <c>ordered</c> → <c>pending_access</c> (looked up, eligibility; a
    /// renewal asked of the prescriber and polled until answered; interactions; the claim; pre-verification; the stock
    /// on hand, which the pharmacist sees beside the quantity) → <c>access_granted</c> → <c>dispensed</c> →
    /// <c>completed</c>, or <c>failed</c> with a reason. The pharmacist's verification is the governed dispense's own approval, so a trust stage that lets the dispense run alone
    /// completes the case with nobody; the rules still send controlled substances, major interactions and large
    /// quantities to a person at any stage.
    /// </summary>
    public static JsonObject RefillGraph() => new()
    {
        ["version"] = "1.0",
        ["nodes"] = new JsonArray(
            Node("order", "trigger.manual", "Refill ordered", 0, 200, []),
            Tool("get_prescription", "Look up prescription", 220, 200, "get_prescription", new JsonObject { ["rx"] = "{{ input.rx }}" }),
            Tool("check_eligibility", "Refill eligibility", 440, 200, "check_refill_eligibility", new JsonObject { ["rx"] = Rx, ["today"] = Today }),
            Node("eligibility", "switch", "Eligible?", 660, 200, new JsonObject
            {
                ["cases"] = new JsonArray(
                    Case("fill", $"{Eligibility}.eligible"),
                    Case("renew", $"{Eligibility}.reason == 'no_refills_remaining'")),
            }),
            Tool("request_renewal", "Ask the prescriber", 660, 420, "request_prescriber_approval", new JsonObject
            {
                ["rx"] = Rx,
                ["reason"] = "No refills remain on {{ input.rx }}; the patient asked for a refill.",
            }),
            Node("await_prescriber", "delay", "Wait for the prescriber", 880, 420, new JsonObject { ["seconds"] = 1 }),
            Tool("poll_prescriber", "Prescriber's answer", 1100, 420, "get_prescriber_response", new JsonObject
            {
                ["request_id"] = "{{ nodes.request_renewal.output.structuredContent.request_id }}",
            }),
            Node("prescriber_answer", "switch", "Answered?", 1320, 420, new JsonObject
            {
                ["cases"] = new JsonArray(
                    Case("approved", "nodes.poll_prescriber.output.structuredContent.status == 'approved'"),
                    Case("denied", "nodes.poll_prescriber.output.structuredContent.status == 'denied'")),
            }),
            Tool("check_interactions", "Interactions", 1540, 200, "check_interactions", new JsonObject
            {
                ["patient_id"] = $"{{{{ {Prescription}.patient_id }}}}",
                ["drug"] = $"{{{{ {Prescription}.drug }}}}",
            }),
            Tool("adjudicate_claim", "Insurance claim", 1760, 200, "adjudicate_claim", new JsonObject
            {
                ["rx"] = Rx,
                ["today"] = Today,
                ["prescriber_request_id"] = "{{ has(nodes.poll_prescriber) ? nodes.poll_prescriber.output.structuredContent.request_id : null }}",
            }),
            Node("claim_paid", "condition", "Claim paid?", 1980, 200, new JsonObject { ["expression"] = "nodes.adjudicate_claim.output.structuredContent.paid" }),
            Tool("preverify", "Pre-verification", 2200, 200, "preverify", new JsonObject { ["rx"] = Rx }),
            Node("preverified", "condition", "Checks passed?", 2420, 200, new JsonObject { ["expression"] = "nodes.preverify.output.structuredContent.passed" }),
            Tool("check_stock", "Stock on hand", 2530, 330, "get_stock", new JsonObject { ["drug"] = $"{{{{ {Prescription}.drug }}}}" }),
            Node("access_granted", "transform", "Access granted", 2640, 200, new JsonObject
            {
                ["expression"] = $$"""
                    {'rx': {{Prescription}}.rx, 'patient': {{Prescription}}.patient_name, 'drug': {{Prescription}}.drug,
                     'quantity': {{Prescription}}.quantity, 'days_supply': {{Prescription}}.days_supply,
                     'controlled': {{Prescription}}.controlled, 'schedule': {{Prescription}}.controlled_schedule,
                     'interaction_severity': nodes.check_interactions.output.structuredContent.highest_severity,
                     'interactions': nodes.check_interactions.output.structuredContent.interactions,
                     'claim_id': nodes.adjudicate_claim.output.structuredContent.claim_id,
                     'patient_pays': nodes.adjudicate_claim.output.structuredContent.patient_pays,
                     'renewed': has(nodes.poll_prescriber), 'on_hand': nodes.check_stock.output.structuredContent.on_hand}
                    """,
            }),
            Dispense(),
            Node("dispensed", "transform", "Dispensed", 3080, 120, new JsonObject
            {
                ["expression"] = "{'rx': input.rx, 'executionId': nodes.dispense.output.executionId, 'on_hand': nodes.dispense.output.after.on_hand}",
            }),
            Node("completed", "respond", "Ready for pickup", 3300, 120, new JsonObject
            {
                ["body"] = """
                    {'status': 'completed', 'rx': input.rx, 'patient': nodes.access_granted.output.patient,
                     'executionId': nodes.dispensed.output.executionId, 'on_hand': nodes.dispensed.output.on_hand,
                     'patient_pays': nodes.access_granted.output.patient_pays}
                    """,
            }),
            Failed("rx_unknown", "Unknown prescription", 440, 40, "'unknown_prescription', 'detail': nodes.get_prescription.error.message"),
            Failed("not_eligible", "Not eligible", 880, 40, $"{Eligibility}.reason, 'detail': 'earliest fill ' + string({Eligibility}.earliest_fill_date)"),
            Failed("prescriber_denied", "Prescriber denied", 1540, 540, "'prescriber_denied', 'detail': nodes.poll_prescriber.output.structuredContent.prescriber_name + ' denied the renewal'"),
            Failed("claim_rejected", "Claim rejected", 2200, 40, "'claim_rejected', 'reject_codes': nodes.adjudicate_claim.output.structuredContent.reject_codes"),
            Failed("preverify_failed", "Pre-verification failed", 2640, 40, "'preverification_failed', 'checks': nodes.preverify.output.structuredContent.checks"),
            Failed("declined", "Declined by the pharmacist", 3080, 280, "'declined', 'detail': nodes.dispense.output.reason"),
            Failed("not_dispensed", "Not dispensed", 3080, 420, "'not_dispensed', 'detail': nodes.dispense.error.message")),
        ["edges"] = new JsonArray(
            Edge("order", "get_prescription"),
            Edge("get_prescription", "check_eligibility"),
            Edge("get_prescription", "rx_unknown", "error"),
            Edge("check_eligibility", "eligibility"),
            Edge("eligibility", "check_interactions", "fill"),
            Edge("eligibility", "request_renewal", "renew"),
            Edge("eligibility", "not_eligible", "default"),
            Edge("request_renewal", "await_prescriber"),
            Edge("await_prescriber", "poll_prescriber"),
            Edge("poll_prescriber", "prescriber_answer"),
            Edge("prescriber_answer", "check_interactions", "approved"),
            Edge("prescriber_answer", "prescriber_denied", "denied"),
            Loop("prescriber_answer", "await_prescriber", "default", 30),
            Edge("check_interactions", "adjudicate_claim"),
            Edge("adjudicate_claim", "claim_paid"),
            Edge("claim_paid", "preverify", "true"),
            Edge("claim_paid", "claim_rejected", "false"),
            Edge("preverify", "preverified"),
            Edge("preverified", "check_stock", "true"),
            Edge("check_stock", "access_granted"),
            Edge("preverified", "preverify_failed", "false"),
            Edge("access_granted", "dispense"),
            Edge("dispense", "dispensed"),
            Edge("dispense", "declined", "rejected"),
            Edge("dispense", "not_dispensed", "error"),
            Edge("dispensed", "completed")),
        ["config"] = new JsonObject
        {
            ["phases"] = new JsonObject
            {
                ["order"] = "ordered",
                ["get_prescription"] = "pending_access",
                ["access_granted"] = "access_granted",
                ["dispensed"] = "dispensed",
                ["completed"] = "completed",
                ["rx_unknown"] = "failed",
                ["not_eligible"] = "failed",
                ["prescriber_denied"] = "failed",
                ["claim_rejected"] = "failed",
                ["preverify_failed"] = "failed",
                ["declined"] = "failed",
                ["not_dispensed"] = "failed",
            },
            ["outcomes"] = new JsonObject { ["completed"] = "success", ["failed"] = "failure" },
        },
    };

    private const string Prescription = "nodes.get_prescription.output.structuredContent";
    private const string Eligibility = "nodes.check_eligibility.output.structuredContent";
    private const string Rx = "{{ input.rx }}";
    private const string Today = "{{ has(input.today) ? input.today : null }}";

    /// <summary>
    /// The governed dispense: its approval is the pharmacist's verification (asked when the trust stage, the gate or a
    /// rule wants a person); the features are the case's facts, which the trust models score and the rules read.
    /// </summary>
    private static JsonObject Dispense() => Node("dispense", "governed.action", "Dispense", 2860, 200, new JsonObject
    {
        ["actionType"] = DispenseActionType,
        ["server"] = PharmacyMcpCommand.ServerId,
        ["tool"] = "dispense",
        ["arguments"] = new JsonObject
        {
            ["rx"] = "{{ nodes.access_granted.output.rx }}",
            ["drug"] = "{{ nodes.access_granted.output.drug }}",
            ["quantity"] = "{{ nodes.access_granted.output.quantity }}",
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
            ["quantity"] = "{{ nodes.access_granted.output.quantity }}",
            ["days_supply"] = "{{ nodes.access_granted.output.days_supply }}",
            ["controlled"] = "{{ nodes.access_granted.output.controlled }}",
            ["interaction_severity"] = "{{ nodes.access_granted.output.interaction_severity }}",
            ["renewed"] = "{{ nodes.access_granted.output.renewed }}",
            ["patient_pays"] = "{{ nodes.access_granted.output.patient_pays }}",
            ["drug"] = "{{ nodes.access_granted.output.drug }}",
            ["on_hand"] = "{{ nodes.access_granted.output.on_hand }}",
        },
        ["readState"] = new JsonObject
        {
            ["tool"] = "get_stock",
            ["arguments"] = new JsonObject { ["drug"] = "{{ nodes.access_granted.output.drug }}" },
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
            ["title"] = "Verify {{ nodes.access_granted.output.rx }}: dispense {{ nodes.access_granted.output.drug }} x{{ nodes.access_granted.output.quantity }} " +
                "for {{ nodes.access_granted.output.patient }} ({{ nodes.access_granted.output.on_hand }} on hand)",
            ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
            ["commentRequired"] = "always",
            ["expiresAfterSeconds"] = 86400,
        },
    });

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
                    ["commentRequired"] = "always",
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

    private static JsonObject Loop(string source, string target, string handle, int maxIterations)
    {
        var edge = Edge(source, target, handle);
        edge["loop"] = new JsonObject { ["maxIterations"] = maxIterations };
        return edge;
    }

    private static JsonObject Tool(string id, string name, double x, double y, string tool, JsonObject arguments) =>
        Node(id, "mcp.tool", name, x, y, new JsonObject { ["server"] = PharmacyMcpCommand.ServerId, ["tool"] = tool, ["arguments"] = arguments });

    private static JsonObject Case(string name, string when) => new() { ["name"] = name, ["when"] = when };

    /// <summary>A way the case ends without a dispense: the run completes, its phase is <c>failed</c> and the body says why.</summary>
    private static JsonObject Failed(string id, string name, double x, double y, string reasonAndDetail) =>
        Node(id, "respond", name, x, y, new JsonObject { ["body"] = $"{{'status': 'failed', 'rx': input.rx, 'reason': {reasonAndDetail}}}" });
}
