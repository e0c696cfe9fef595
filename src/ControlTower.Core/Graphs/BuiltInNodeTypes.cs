using System.Text.Json.Nodes;

namespace ControlTower.Core.Graphs;

/// <summary>
/// The built-in node types and their config schemas. Schemas use the JSON Schema subset of
/// <see cref="NodeTypeDescriptor.ConfigSchema"/>; <c>x-cel</c> marks CEL expressions and templates.
/// </summary>
internal static class BuiltInNodeTypes
{
    private static readonly string[] In = ["in"];
    private static readonly string[] NoInputs = [];
    private static readonly string[] Success = ["success"];

    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(30);

    public static IEnumerable<NodeTypeDescriptor> All()
    {
        yield return Trigger("trigger.manual", "Manual trigger", "Starts a run by hand or through the API; the run input is its output.", """
            { "type": "object", "additionalProperties": false, "properties": {
                "inputSchema": { "type": "object", "description": "JSON Schema the run input must satisfy." } } }
            """);
        yield return Trigger("trigger.webhook", "Webhook trigger", "Starts a run when its per-workflow URL receives a request; optional HMAC-SHA256 signature with timestamp and replay window.", """
            { "type": "object", "additionalProperties": false, "properties": {
                "method": { "type": "string", "enum": ["POST", "PUT", "GET"], "default": "POST" },
                "signature": { "type": "object", "additionalProperties": false, "required": ["secretCredentialId"], "properties": {
                    "secretCredentialId": { "type": "string", "pattern": "^\\S+$" },
                    "header": { "type": "string", "default": "X-Signature" },
                    "timestampHeader": { "type": "string", "default": "X-Timestamp" },
                    "toleranceSeconds": { "type": "integer", "minimum": 1, "maximum": 3600, "default": 300 } } },
                "respondMode": { "type": "string", "enum": ["immediately", "respond_node"], "default": "immediately" } } }
            """);
        yield return Trigger("trigger.schedule", "Schedule trigger", "Starts a run on a cron schedule in a time zone; durable, never fires twice for one instant.", """
            { "type": "object", "additionalProperties": false, "required": ["cron"], "properties": {
                "cron": { "type": "string", "pattern": "^\\S+(\\s+\\S+){4,5}$", "description": "5 fields (minute hour day month weekday) or 6 with seconds first." },
                "timeZone": { "type": "string", "default": "UTC", "description": "IANA time zone id." },
                "input": { "description": "The run input of every scheduled run." } } }
            """);
        yield return Trigger("trigger.mcp", "MCP tool trigger", "Publishes the workflow as a tool of Control Tower's own MCP server; a tool call starts a run.", """
            { "type": "object", "additionalProperties": false, "required": ["toolName"], "properties": {
                "toolName": { "type": "string", "pattern": "^[a-z][a-z0-9_.-]{0,63}$" },
                "description": { "type": "string" },
                "inputSchema": { "type": "object" } } }
            """);

        yield return Node("mcp.tool", NodeCategory.Action, "MCP tool",
            "Calls a tool (server/tool) of a registered MCP server with the user's credential.",
            Success, sideEffects: true, RetryPolicy.Standard, TimeSpan.FromMinutes(1), """
            { "type": "object", "additionalProperties": false, "required": ["server", "tool"], "properties": {
                "server": { "type": "string", "pattern": "^\\S+$" },
                "tool": { "type": "string", "pattern": "^\\S+$" },
                "arguments": { "type": "object", "additionalProperties": { "x-cel": "template" } },
                "credentialId": { "type": "string" } } }
            """);
        yield return Node("transform", NodeCategory.Logic, "Transform",
            "Computes its output from the node input: a CEL expression's value, or a mapping object whose string values are templates (exactly one of the two).",
            Success, sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "properties": {
                "expression": { "type": "string", "x-cel": "expression" },
                "mapping": { "type": "object", "additionalProperties": { "x-cel": "template" }, "description": "Output object; every string inside is a template." } } }
            """);
        yield return Node("condition", NodeCategory.Logic, "Condition",
            "Evaluates a boolean CEL expression; outcome true or false.",
            ["true", "false"], sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "required": ["expression"], "properties": {
                "expression": { "type": "string", "x-cel": "expression" } } }
            """);
        yield return Node("switch", NodeCategory.Logic, "Switch",
            "Takes the first case whose CEL condition holds (outcome = case name), else outcome default.",
            ["default"], sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "required": ["cases"], "properties": {
                "cases": { "type": "array", "items": { "type": "object", "additionalProperties": false, "required": ["name", "when"], "properties": {
                    "name": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_-]{0,63}$" },
                    "when": { "type": "string", "x-cel": "expression" } } } } } }
            """) with
        {
            DynamicOutputs = new DynamicOutputs("cases", "name", ["default"]),
        };
        yield return Node("merge", NodeCategory.Flow, "Merge",
            "Joins branches: mode all waits for every incoming edge to resolve, any fires on the first taken one.",
            Success, sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "properties": {
                "mode": { "type": "string", "enum": ["all", "any"], "default": "all" } } }
            """);
        yield return Node("delay", NodeCategory.Flow, "Delay", "Waits durably for a duration or until a time computed by CEL.", Success, sideEffects: false, RetryPolicy.None, null, """
            { "type": "object", "additionalProperties": false, "properties": {
                "seconds": { "type": "integer", "minimum": 0, "maximum": 31536000 },
                "until": { "type": "string", "x-cel": "expression", "description": "A CEL timestamp; wins over seconds." } } }
            """);
        yield return Node("approval", NodeCategory.Human, "Approval",
            "A human gate: waits until approvers decide or it expires.",
            ["approved", "rejected", "expired"], sideEffects: false, RetryPolicy.None, null, """
            { "type": "object", "additionalProperties": false, "required": ["title"], "properties": {
                "title": { "type": "string", "x-cel": "template" },
                "instructions": { "type": "string", "x-cel": "template" },
                "approvers": { "type": "object", "additionalProperties": false, "properties": {
                    "roles": { "type": "array", "items": { "type": "string" } },
                    "users": { "type": "array", "items": { "type": "string" } } } },
                "requiredApprovals": { "type": "integer", "minimum": 1, "maximum": 10, "default": 1 },
                "requiredRejections": { "type": "integer", "minimum": 1, "maximum": 10, "default": 1, "description": "Rejections that end the approval as rejected." },
                "allowSelfApproval": { "type": "boolean", "default": false },
                "commentRequired": { "type": "string", "enum": ["reject", "always", "never"], "default": "reject",
                    "description": "Which decisions must say why: a rejection (the default), every decision, or none." },
                "expiresAfterSeconds": { "type": "integer", "minimum": 60, "maximum": 31536000 },
                "escalation": { "type": "object", "additionalProperties": false, "required": ["afterSeconds", "role"], "properties": {
                    "afterSeconds": { "type": "integer", "minimum": 1, "maximum": 31536000 },
                    "role": { "type": "string", "description": "The role that may also decide once the time has passed." } } },
                "evidence": { "type": "string", "x-cel": "expression", "description": "What the approver sees, computed from the node input." } } }
            """);
        yield return Node("governed.action", NodeCategory.Human, "Governed action",
            "A tool call under the trust system: runs automatically when the scope's stage allows, else asks a person.",
            ["success", "rejected"], sideEffects: true, RetryPolicy.Standard, TimeSpan.FromMinutes(1), """
            { "type": "object", "additionalProperties": false, "required": ["actionType", "server", "tool"], "properties": {
                "actionType": { "type": "string", "pattern": "^[a-z][a-z0-9_.-]*$" },
                "server": { "type": "string", "pattern": "^\\S+$" },
                "tool": { "type": "string", "pattern": "^\\S+$" },
                "arguments": { "type": "object", "additionalProperties": { "x-cel": "template" } },
                "scope": { "type": "object", "additionalProperties": { "type": "string", "x-cel": "template" },
                    "description": "The trust scope: tenant, site, queue and role (templates over the run); with one, the scope's stage decides after the rules and gate." },
                "features": { "type": "object", "additionalProperties": { "x-cel": "template" },
                    "description": "The context the trust models score (numbers, booleans, strings); default: the arguments." },
                "credentialId": { "type": "string" },
                "ruleSetId": { "type": "string", "pattern": "^\\S+$", "description": "Rules evaluated before the gate: deny or require_approval win over an authorized gate." },
                "ruleSetVersion": { "type": "integer", "minimum": 1 },
                "readState": { "type": "object", "additionalProperties": false, "required": ["tool"],
                    "description": "How to read the state the action changes (before and after): a tool of the same server.", "properties": {
                    "tool": { "type": "string", "pattern": "^\\S+$" },
                    "arguments": { "type": "object", "additionalProperties": { "x-cel": "template" } } } },
                "compensation": { "type": "object", "additionalProperties": false, "required": ["tool"],
                    "description": "The call that undoes the action; rendered with the result in scope as result.", "properties": {
                    "tool": { "type": "string", "pattern": "^\\S+$" },
                    "arguments": { "type": "object", "additionalProperties": { "x-cel": "template" } },
                    "windowSeconds": { "type": "integer", "minimum": 1, "maximum": 31536000, "default": 86400 } } },
                "approval": { "type": "object", "additionalProperties": false, "description": "The approval asked for when the gate is not authorized or a rule requires one.", "properties": {
                    "title": { "type": "string", "x-cel": "template" },
                    "approvers": { "type": "object", "additionalProperties": false, "properties": {
                        "roles": { "type": "array", "items": { "type": "string" } },
                        "users": { "type": "array", "items": { "type": "string" } } } },
                    "requiredApprovals": { "type": "integer", "minimum": 1, "maximum": 10, "default": 1 },
                    "commentRequired": { "type": "string", "enum": ["reject", "always", "never"], "default": "reject",
                        "description": "Which decisions must say why: a rejection (the default), every decision, or none." },
                    "expiresAfterSeconds": { "type": "integer", "minimum": 60, "maximum": 31536000 } } } } }
            """) with
        {
            DefaultUnknownOutcome = UnknownOutcomePolicy.Ask,
        };
        yield return Node("rules", NodeCategory.Logic, "Rules",
            "Evaluates a versioned rule set over facts computed by CEL; outcome matched or unmatched.",
            ["matched", "unmatched"], sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "required": ["ruleSetId"], "properties": {
                "ruleSetId": { "type": "string", "pattern": "^\\S+$" },
                "version": { "type": "integer", "minimum": 1 },
                "facts": { "type": "string", "x-cel": "expression", "description": "The rule set's input object; default: the node input." },
                "routes": { "type": "array", "description": "Outcomes that route rules may name, besides matched and unmatched.",
                    "items": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": {
                    "name": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_-]{0,63}$" } } } } } }
            """) with
        {
            DynamicOutputs = new DynamicOutputs("routes", "name", ["matched", "unmatched"]),
        };
        yield return Node("subworkflow", NodeCategory.Flow, "Subworkflow",
            "Runs another workflow and waits for it; its failure is this node's failure.",
            Success, sideEffects: true, RetryPolicy.None, null, """
            { "type": "object", "additionalProperties": false, "required": ["workflowId"], "properties": {
                "workflowId": { "type": "string", "pattern": "^\\S+$" },
                "version": { "type": "integer", "minimum": 1 },
                "input": { "type": "string", "x-cel": "expression" } } }
            """);
        yield return Node("http.request", NodeCategory.Action, "HTTP request",
            "Calls an HTTP endpoint (destination allow/deny lists apply; private ranges denied by default).",
            Success, sideEffects: true, RetryPolicy.Standard, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "required": ["url"], "properties": {
                "method": { "type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "GET" },
                "url": { "type": "string", "x-cel": "template" },
                "headers": { "type": "object", "additionalProperties": { "type": "string", "x-cel": "template" } },
                "query": { "type": "object", "additionalProperties": { "type": "string", "x-cel": "template" } },
                "body": { "type": "string", "x-cel": "expression", "description": "CEL whose value is sent as JSON." },
                "timeoutSeconds": { "type": "integer", "minimum": 1, "maximum": 300, "default": 30 },
                "maxResponseBytes": { "type": "integer", "minimum": 1, "maximum": 52428800, "default": 1048576 },
                "expectedStatuses": { "type": "array", "items": { "type": "integer", "minimum": 100, "maximum": 599 },
                    "description": "Statuses that count as success besides 1xx-3xx (e.g. 404 for a lookup)." },
                "credentialId": { "type": "string" } } }
            """);
        yield return Node("llm", NodeCategory.Ai, "LLM", "Asks an OpenAI-compatible chat model.", Success, sideEffects: false, RetryPolicy.Standard, TimeSpan.FromMinutes(2), """
            { "type": "object", "additionalProperties": false, "required": ["model", "prompt"], "properties": {
                "model": { "type": "string", "pattern": "^\\S+$" },
                "system": { "type": "string", "x-cel": "template" },
                "prompt": { "type": "string", "x-cel": "template" },
                "temperature": { "type": "number", "minimum": 0, "maximum": 2 },
                "maxTokens": { "type": "integer", "minimum": 1, "maximum": 32768 },
                "responseFormat": { "type": "string", "enum": ["text", "json"], "default": "text" },
                "credentialId": { "type": "string" } } }
            """) with { IsDeterministic = false };
        yield return Node("respond", NodeCategory.Flow, "Respond", "Sets the run's output (and the webhook reply).", Success, sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "properties": {
                "status": { "type": "integer", "minimum": 100, "maximum": 599, "default": 200 },
                "body": { "type": "string", "x-cel": "expression" },
                "headers": { "type": "object", "additionalProperties": { "type": "string", "x-cel": "template" } } } }
            """);
        yield return Node("fail", NodeCategory.Flow, "Fail",
            "Fails with a chosen error code and message (catchable through its error handle).",
            [], sideEffects: false, RetryPolicy.None, ShortTimeout, """
            { "type": "object", "additionalProperties": false, "required": ["code", "message"], "properties": {
                "code": { "type": "string", "pattern": "^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$" },
                "message": { "type": "string", "x-cel": "template" } } }
            """);
    }

    private static NodeTypeDescriptor Trigger(string type, string displayName, string description, string schema) =>
        new(type, NodeCategory.Trigger, displayName, description, NoInputs, Success, Schema(schema), HasSideEffects: false, RetryPolicy.None, null);

    private static NodeTypeDescriptor Node(string type, NodeCategory category, string displayName,
        string description, string[] outputs, bool sideEffects, RetryPolicy retry, TimeSpan? timeout, string schema) =>
        new(type, category, displayName, description, In, outputs, Schema(schema), sideEffects, retry, timeout);

    private static JsonObject Schema(string json) => JsonNode.Parse(json)!.AsObject();
}
