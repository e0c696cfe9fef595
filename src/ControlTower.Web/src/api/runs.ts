// Runs: start, list, detail, node attempts, cancel, retry, hold and expression evaluation on a run's data.
// Types come from the server's OpenAPI document.
import { api, getOptional } from "../api";
import type { Present, Schemas } from "./schemas";

export type RunNode = Present<Schemas["RunNodeView"], "nodeId" | "nodeType" | "status">;

/** `outcome` is the business outcome the workflow declares for the run's phase (`success` or `failure`), if any. */
export type Run = Present<Omit<Schemas["RunView"], "nodes">, "status" | "trigger" | "principalSource" | "traceId"> & {
  nodes: RunNode[] | null;
};

export type RunPage = Omit<Schemas["RunPage"], "items"> & { items: Run[] };

export type NodeAttempt = Present<Schemas["NodeAttemptView"], "nodeId" | "nodeType" | "status" | "idempotencyKey">;

export type RunHold = Present<Schemas["RunHoldView"], "heldBy">;
export type Evaluation = Schemas["ExpressionEvaluation"];

export const runsApi = {
  /** Starts a run of the workflow's latest version; `idempotencyKey` makes a repeated click start it once. */
  start: (workflowId: string, body: Schemas["StartRunBody"], idempotencyKey?: string) =>
    api.post<Run>(`/api/workflows/${workflowId}/runs`, body, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : undefined),
  /** `query` is the list's URL query (filters, `limit`, `before`). */
  list: (query: string) => api.get<RunPage>(`/api/runs?${query}`),
  latestOf: async (workflowId: string): Promise<Run | null> =>
    (await api.get<RunPage>(`/api/runs?workflowId=${workflowId}&limit=1`)).items[0] ?? null,
  get: (id: string) => api.get<Run>(`/api/runs/${id}`),
  attempts: (id: string) => api.get<NodeAttempt[]>(`/api/runs/${id}/nodes`),
  cancel: (id: string, reason: string) => api.post<Run>(`/api/runs/${id}/cancel`, { reason } satisfies Schemas["CancelRunBody"]),
  retry: (id: string) => api.post<Run>(`/api/runs/${id}/retry`, {}),
  /** Null when the run is not held (204) or the server keeps no run data (404). */
  hold: async (id: string) => (await getOptional<RunHold | undefined>(`/api/runs/${id}/hold`)) ?? null,
  keep: (id: string, reason: string) => api.put<RunHold>(`/api/runs/${id}/hold`, { reason }),
  release: (id: string) => api.del<void>(`/api/runs/${id}/hold`),
  /** A CEL expression or template evaluated by the server on the run's input and node outputs. */
  evaluate: (id: string, body: Schemas["EvaluateExpressionBody"]) => api.post<Evaluation>(`/api/runs/${id}/evaluate`, body),
};
