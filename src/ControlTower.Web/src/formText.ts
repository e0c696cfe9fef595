import type { JsonSchema } from "./api/nodeTypes";

// Labels, help and examples for generated config forms: the schema's own words first, then what fits the field's name.

const acronyms: Record<string, string> = {
  id: "ID",
  ids: "IDs",
  url: "URL",
  http: "HTTP",
  json: "JSON",
  mcp: "MCP",
  llm: "LLM",
  cel: "CEL",
  api: "API",
  rx: "Rx",
};

/** The schema's `title`, else the key split into words: "expiresAfterSeconds" → "Expires after seconds", "credentialId" → "Credential ID". */
export function labelOf(name: string, schema?: JsonSchema): string {
  if (schema?.title?.trim()) return schema.title;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_.-]+/)
    .filter(Boolean);
  return words
    .map((w, i) => {
      const lower = w.toLowerCase();
      if (acronyms[lower]) return acronyms[lower];
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    })
    .join(" ");
}

// Help for common fields the node schemas leave undescribed.
const help: Record<string, string> = {
  expression: "A CEL expression over the node input (input, nodes.<id>.output).",
  url: "The address to call; a template, so it can carry values from the run.",
  method: "The HTTP method.",
  headers: "Header name → value; values are templates.",
  server: "The registered MCP server to call.",
  tool: "The tool's name on that server.",
  arguments: "The tool's arguments; each value is a template over the run.",
  credentialId: "The credential to call with; by default the caller's own.",
  mapping: "The output object: key → template.",
  seconds: "How long to wait.",
  title: "What the approver sees as the request's title (a template).",
  instructions: "What the approver should check before deciding.",
  requiredApprovals: "Approvals needed before the run goes on.",
  allowSelfApproval: "Whether the person who started the run may approve it.",
  expiresAfterSeconds: "After this long without a decision the approval expires.",
  actionType: "The governed action's type: gates, trust and rules are keyed on it.",
  ruleSetVersion: "A fixed version of the rule set; by default the latest.",
  windowSeconds: "How far back the check looks.",
  secretCredentialId: "The credential holding the signing secret.",
  toolName: "The name under which MCP clients see this workflow as a tool.",
  respondMode: "Answer the caller at once, or with a respond node's output.",
  mode: "Whether every branch must arrive (all) or the first one is enough (any).",
};

export function helpOf(name: string, schema: JsonSchema): string | undefined {
  return schema.description ?? help[name];
}

// Examples by field name; an expression field's example must be an expression, a template field's a template.
const templates: Record<string, string> = {
  url: "https://api.example.com/orders/{{ input.orderId }}",
  title: "Approve a refund of {{ input.amount }} for {{ input.customer }}",
  instructions: "Check the order {{ input.orderId }} against the customer's history",
  header: "X-Signature",
};
const expressions: Record<string, string> = {
  expression: "{'orderId': input.orderId, 'total': input.amount * 1.2}",
  when: "input.amount > 100",
  until: "timestamp(input.dueAt)",
  evidence: "{'amount': input.amount, 'customer': input.customer}",
  facts: "{'quantity': input.quantity, 'onHand': nodes.stock.output.onHand}",
  body: "{'orderId': input.orderId, 'status': 'shipped'}",
};
const plain: Record<string, string> = {
  cron: "0 9 * * 1-5",
  timeZone: "Europe/Paris",
  ruleSetId: "dispense-rules",
  role: "pharmacist",
  actionType: "refund.issue",
  toolName: "refill.request",
  server: "pharmacy",
  tool: "get_prescription",
  name: "approved",
};

/** A placeholder that fits the field: the schema's example or default, else one chosen by the field's name and kind. */
export function exampleOf(name: string, schema: JsonSchema): string {
  const examples = schema.examples;
  if (Array.isArray(examples) && examples.length > 0) return typeof examples[0] === "string" ? examples[0] : JSON.stringify(examples[0]);
  if (schema.default !== undefined) return String(schema.default);
  const cel = schema["x-cel"];
  if (cel === "template") return templates[name] ?? `{{ input.${name} }}`;
  if (cel) return expressions[name] ?? `input.${name}`;
  return plain[name] ?? "";
}

/**
 * The node's problems to list above its form: those at a CEL field the form shows under the field itself are left
 * out (each expression error is shown once), and a repeated message is listed once.
 */
export function problemsAboveForm(problems: { pointer: string; text: string }[], schema: JsonSchema | undefined): string[] {
  const celFields = Object.entries(schema?.properties ?? {})
    .filter(
      ([, s]) => s["x-cel"] || (s.additionalProperties && typeof s.additionalProperties === "object" && s.additionalProperties["x-cel"]),
    )
    .map(([k]) => k);
  const shownAtField = (p: string) => celFields.some((k) => p === `/config/${k}` || p.startsWith(`/config/${k}/`));
  return [...new Set(problems.filter((p) => !shownAtField(p.pointer)).map((p) => p.text))];
}
