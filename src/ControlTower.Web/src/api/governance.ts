// Governance: gates, the kill switch, node-type switches, governed executions and the dry run.
// Types come from the server's OpenAPI document; where it gives a JSON value only as an object, the shape the
// server writes is spelled out here.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export type Gate = Present<Schemas["GateView"], "scopeKey" | "reason" | "updatedBy">;
export type GateChange = Present<Schemas["GateHistoryView"], "scopeKey" | "reason" | "actor">;
export type KillSwitch = Schemas["KillSwitchView"];
export type NodeTypeSwitch = Present<Schemas["NodeTypeSwitchView"], "type" | "category" | "displayName">;

/** One change of a governed action's JSON diff. */
export interface JsonChange {
  path: string;
  op: string;
  before: unknown;
  after: unknown;
}
export type Execution = Present<
  Omit<Schemas["ExecutionView"], "diff" | "lastRollbackError">,
  "nodeId" | "actionType" | "server" | "tool" | "authorizedBy" | "status"
> & {
  diff: JsonChange[] | null;
  lastRollbackError: { code: string; message: string; by: string | null; startedAt: string | null; at: string } | null;
};

export type DryRunCheck = Present<Schemas["DryRunCheck"], "message">;
export type DryRun = Present<Omit<Schemas["DryRunResult"], "verdict" | "checks">, "decision"> & {
  verdict: {
    decision: string;
    why: string;
    killSwitch: boolean;
    gate: { authorized: boolean; scopeKey: string | null; why: string };
    rules: unknown;
  };
  checks: Record<keyof Schemas["DryRunChecks"], DryRunCheck>;
};

export const governanceApi = {
  gates: () => api.get<Gate[]>("/api/gates"),
  gateHistory: (query: URLSearchParams) => api.get<GateChange[]>(`/api/gates/history?${query}`),
  setGate: (body: Schemas["GateBody"]) => api.put<Gate>("/api/gates", body),
  killSwitch: () => api.get<KillSwitch>("/api/governance/kill-switch"),
  setKillSwitch: (body: Schemas["KillSwitchBody"]) => api.put<KillSwitch>("/api/governance/kill-switch", body),
  nodeTypeSwitches: () => api.get<NodeTypeSwitch[]>("/api/node-types/switches"),
  setNodeTypeSwitch: (type: string, body: Schemas["NodeTypeSwitchBody"]) =>
    api.put<NodeTypeSwitch>(`/api/node-types/${encodeURIComponent(type)}/switch`, body),
  executions: (limit: number) => api.get<Execution[]>(`/api/executions?limit=${limit}`),
  execution: (id: string) => api.get<Execution>(`/api/executions/${id}`),
  rollback: (id: string, reason: string | null) =>
    api.post<Execution>(`/api/executions/${id}/rollback`, { reason } satisfies Schemas["RollbackBody"]),
  dryRun: (body: Partial<Schemas["DryRunBody"]>) => api.post<DryRun>("/api/governance/dry-run", body),
};
