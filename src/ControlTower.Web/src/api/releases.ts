// A workflow's release (latest, direct, canary or shadow), its shadow report and its rollback.
// Types come from the server's OpenAPI document.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export type VersionSample = Schemas["VersionSampleView"];
export type CanaryPolicy = Present<Schemas["CanaryPolicyView"], "steps">;
export type CanaryState = Omit<Schemas["CanaryView"], "policy"> & { policy: CanaryPolicy };
export type Release = Omit<Schemas["ReleaseView"], "mode" | "canary"> & {
  /** The document types it as a string; these are the values the server writes. */
  mode: "latest" | "direct" | "canary" | "shadow";
  canary: CanaryState | null;
};
export type ShadowNode = Present<Schemas["ShadowNodeView"], "nodeId">;
export type ShadowRun = Schemas["ShadowRunView"];
export type ShadowReport = Omit<Schemas["ShadowReport"], "nodes" | "recent"> & { nodes: ShadowNode[]; recent: ShadowRun[] };

const path = (workflowId: string) => `/api/workflows/${workflowId}/release`;

export const releasesApi = {
  get: (workflowId: string) => api.get<Release>(path(workflowId)),
  shadowReport: (workflowId: string) => api.get<ShadowReport>(`${path(workflowId)}/shadow-report`),
  put: (workflowId: string, body: Schemas["PutReleaseRequest"]) => api.put<Release>(path(workflowId), body),
  rollback: (workflowId: string, body: Schemas["RollbackReleaseRequest"]) => api.post<Release>(`${path(workflowId)}/rollback`, body),
};
