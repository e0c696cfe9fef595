// Approvals: the inbox (filtered by query), one approval, a decision on it, and who can be named as decider. Types come from the server's OpenAPI document.
import { api, getOptional } from "../api";
import type { Present, Schemas } from "./schemas";

export type Decision = Present<Schemas["DecisionView"], "decidedBy" | "decision">;
export type Approval = Present<
  Omit<Schemas["ApprovalView"], "decisions">,
  "nodeId" | "nodeType" | "title" | "status" | "roles" | "users" | "commentRequired"
> & {
  decisions: Decision[];
};
export type ApprovalDeciders = Omit<Schemas["ApprovalDeciders"], "roles" | "users"> & {
  roles: string[];
  users: Present<Schemas["ApprovalDecider"], "name" | "role">[];
};
export type ApprovalPage = Omit<Schemas["ApprovalPage"], "items"> & { items: Approval[] };

export const approvalsApi = {
  /** `query`: `status` (pending|closed|approved|rejected|expired), `mine`, `runId`, `workflowId`, `limit`, `offset`. */
  list: (query: string) => api.get<ApprovalPage>(`/api/approvals?${query}`),
  /** Null when there is no such approval (or no approvals on this server). */
  getIfAny: (id: string) => getOptional<Approval>(`/api/approvals/${id}`),
  /** The roles and people an approval node can name as deciders (workflow editors). */
  deciders: () => api.get<ApprovalDeciders>("/api/approvals/deciders"),
  /** Each decision carries its own idempotency key, so a repeated click records it once. */
  decide: (id: string, body: Schemas["DecisionBody"], idempotencyKey: string) =>
    api.post<Schemas["DecisionResult"]>(`/api/approvals/${id}/decisions`, body, { "Idempotency-Key": idempotencyKey }),
};
