// An audit entry's target ("run:…", "workflow:…", "approval:…") as a link to the page that shows it, and a short label.

const pages: Record<string, (id: string) => string> = {
  run: (id) => `/runs/${id}`,
  workflow: (id) => `/workflows/${id}`,
  approval: () => "/approvals",
  execution: () => "/governance",
  gate: () => "/governance",
  rule_set: () => "/rules",
  mcp_server: () => "/mcp-servers",
  credential: () => "/credentials",
  trust_scope: () => "/trust",
  trust_model: () => "/trust",
};

/** Where the target is shown, or null when no page shows that kind of target. */
export function auditTargetHref(target: string | null | undefined): string | null {
  if (!target) return null;
  const colon = target.indexOf(":");
  if (colon <= 0) return null;
  const page = pages[target.slice(0, colon)];
  return page ? page(encodeURIComponent(target.slice(colon + 1))) : null;
}

/** The target shortened for a table cell: a long id keeps its kind and first 8 characters (the full text is the tooltip). */
export function auditTargetLabel(target: string | null | undefined, max = 32): string {
  if (!target) return "—";
  if (target.length <= max) return target;
  const colon = target.indexOf(":");
  return colon > 0 && colon < max - 10 ? `${target.slice(0, colon + 9)}…` : `${target.slice(0, max - 1)}…`;
}
