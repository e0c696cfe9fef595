// The planner: a workflow drafted (or a change proposed) from words. Types come from the server's OpenAPI document.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";
import type { Graph, GraphChange } from "./workflows";

/** A planner draft: a valid graph or null, with why each node is there and what was assumed. */
export type PlanDraft = Omit<Schemas["DraftResponse"], "graph" | "explanation" | "assumptions" | "problems" | "planner" | "changes"> & {
  graph: Graph | null;
  explanation: Present<Schemas["PlanExplanation"], "nodeId" | "text">[];
  assumptions: string[];
  problems: Present<Schemas["PlanProblem"], "code" | "message">[];
  /** The document types it as a string; these are the values the server writes. */
  planner: "llm" | "offline";
  changes: GraphChange[] | null;
};

export const plannerApi = {
  /** With `workflowId` and `baseVersion`, a change to that version; without, a new workflow. */
  draft: (body: Partial<Schemas["DraftRequest"]>) => api.post<PlanDraft>("/api/planner/drafts", body),
};
