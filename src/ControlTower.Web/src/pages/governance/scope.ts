/** A gate scope key ("workflow=…;node_type=…;action_type=…", "*" for any) read into its parts. */
export function parseScope(key: string): { workflow: string | null; nodeType: string | null; actionType: string | null } {
  const parts = Object.fromEntries(key.split(";").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const value = (v: string | undefined) => (v === undefined || v === "*" ? null : v);
  return { workflow: value(parts.workflow), nodeType: value(parts.node_type), actionType: value(parts.action_type) };
}
