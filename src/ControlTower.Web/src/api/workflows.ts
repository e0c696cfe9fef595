// Workflows: list, detail, versions, diff, shares, validation, import/export, enable/disable.
// Types come from the server's OpenAPI document, except the graph's shape, which the document gives only as an object.
import { api, getOptional } from "../api";
import type { Present, Schemas } from "./schemas";

export interface GraphNode {
  id: string;
  type: string;
  name?: string;
  config: Record<string, unknown>;
  position?: { x: number; y: number };
  retry?: unknown;
  timeoutMs?: number;
  onUnknownOutcome?: string;
}
export interface GraphEdge {
  source: string;
  target: string;
  sourceHandle?: string;
  targetHandle?: string;
}
export interface Graph {
  version: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  config?: Record<string, unknown>;
}

export type WorkflowSummary = Present<Schemas["WorkflowSummary"], "name">;
export type VersionInfo = Present<Schemas["WorkflowVersionInfo"], "author">;
export type WorkflowDetail = Omit<Schemas["WorkflowDetail"], "workflow" | "version" | "graph"> & {
  workflow: WorkflowSummary;
  version: VersionInfo;
  graph: Graph;
};
export type WorkflowAccess = "owner" | "admin" | "editor" | "runner" | "none";
export type WorkflowShare = Present<Schemas["WorkflowShareView"], "createdBy"> & { access: "editor" | "runner" };
export type WorkflowShares = Omit<Schemas["WorkflowSharesResponse"], "callerAccess" | "shares"> & {
  callerAccess: WorkflowAccess;
  shares: WorkflowShare[];
};
export type WorkflowShareGrant = Schemas["WorkflowShareGrant"];
export type GraphProblem = Present<Schemas["GraphProblem"], "code" | "jsonPointer" | "message">;
export type GraphChange = Present<Schemas["GraphChange"], "kind" | "subject" | "pointer">;
export type Validation = Omit<Schemas["ValidationResponse"], "problems"> & { problems: GraphProblem[] };

type NewWorkflow = Omit<Schemas["CreateWorkflowRequest"], "graph"> & { graph: Graph };
type NewVersion = Omit<Schemas["SaveVersionRequest"], "graph"> & { graph: Graph };

export const workflowsApi = {
  list: () => api.get<WorkflowSummary[]>("/api/workflows"),
  get: (id: string, version?: number) =>
    api.get<WorkflowDetail>(version === undefined ? `/api/workflows/${id}` : `/api/workflows/${id}?version=${version}`),
  create: (body: NewWorkflow) => api.post<WorkflowDetail>("/api/workflows", body),
  import: (doc: unknown) => api.post<WorkflowDetail>("/api/workflows/import", doc),
  export: (id: string) => api.get<unknown>(`/api/workflows/${id}/export`),
  saveVersion: (id: string, body: NewVersion) => api.post<WorkflowDetail>(`/api/workflows/${id}/versions`, body),
  versions: (id: string) => api.get<VersionInfo[]>(`/api/workflows/${id}/versions`),
  version: (id: string, version: number) => api.get<WorkflowDetail>(`/api/workflows/${id}/versions/${version}`),
  diff: (id: string, from: number, to: number) => api.get<{ changes: GraphChange[] }>(`/api/workflows/${id}/diff?from=${from}&to=${to}`),
  validate: (graph: Graph) => api.post<Validation>("/api/workflows/validate", { graph }),
  /** Switches the workflow on when it is off and off when it is on. */
  toggle: (w: Pick<WorkflowSummary, "id" | "enabled">) =>
    api.post<WorkflowSummary>(`/api/workflows/${w.id}/${w.enabled ? "disable" : "enable"}`, {}),
  shares: (id: string) => api.get<WorkflowShares>(`/api/workflows/${id}/shares`),
  /** Null when the server has no sharing (the route is absent). */
  sharesIfAny: (id: string) => getOptional<WorkflowShares>(`/api/workflows/${id}/shares`),
  setShares: (id: string, shares: WorkflowShareGrant[]) => api.put<WorkflowShares>(`/api/workflows/${id}/shares`, { shares }),
};
