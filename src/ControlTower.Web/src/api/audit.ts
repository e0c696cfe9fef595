// The audit log: filtered pages and the hash chain's verification. Types come from the server's OpenAPI document.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export type AuditEntry = Present<Schemas["AuditEntryResponse"], "actor" | "action" | "target" | "reason" | "previousHash" | "hash">;
export type AuditPage = Omit<Schemas["AuditPage"], "items"> & { items: AuditEntry[] };
export type Verification = Present<Omit<Schemas["VerificationResponse"], "firstBreak">, "headHash"> & {
  firstBreak: Present<Schemas["AuditChainBreak"], "problem" | "detail"> | null;
};

export const auditApi = {
  /** `query`: `actor`, `action`, `target`, `from`, `to`, `limit`, `order`, `before`, `after`. */
  list: (query: URLSearchParams) => api.get<AuditPage>(`/api/audit?${query}`),
  verify: () => api.get<Verification>("/api/audit/verify"),
};
