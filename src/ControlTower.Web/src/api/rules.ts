// Rule sets: list, one (at a version), its versions, and a test against an input.
// Types come from the server's OpenAPI document; the definition and the test's answer, which the document gives only
// as objects, are spelled out here (Server/Rules).
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export interface RuleAction {
  type: string;
  outputs?: Record<string, unknown>;
  tag?: string;
  outcome?: string;
  reason?: string;
}
export interface Rule {
  id: string;
  condition: string;
  priority?: number;
  enabled?: boolean;
  description?: string;
  action: RuleAction;
}
export interface RuleSetDefinition {
  hitPolicy?: string;
  inputSchema?: { properties?: Record<string, unknown> };
  rules: Rule[];
}
export type RuleSet = Present<Omit<Schemas["RuleSetView"], "definition">, "id" | "author"> & { definition: RuleSetDefinition };
export type RuleSetVersion = Present<Schemas["RuleSetVersionView"], "author">;
export interface Why {
  expression: string;
  value?: unknown;
  error?: string;
  parts?: Why[];
}
export interface Evaluation {
  ruleSetId: string;
  version: number;
  hitPolicy: string;
  outputs: Record<string, unknown>;
  tags: string[];
  denied: boolean;
  requiresApproval: boolean;
  route: string | null;
  matched: { ruleId: string; priority: number; action: string; reason?: string | null }[];
  evaluated: { ruleId: string; matched: boolean; why: Why }[];
}

const path = (id: string) => `/api/rule-sets/${encodeURIComponent(id)}`;

export const rulesApi = {
  list: () => api.get<RuleSet[]>("/api/rule-sets"),
  get: (id: string, version?: number | null) => api.get<RuleSet>(`${path(id)}${version ? `?version=${version}` : ""}`),
  versions: (id: string) => api.get<RuleSetVersion[]>(`${path(id)}/versions`),
  /** `input` goes as typed: the server answers one that is not an object with a ProblemDetails the page shows. */
  test: (id: string, body: Omit<Schemas["TestRuleSetBody"], "input"> & { input: unknown }) =>
    api.post<Evaluation>(`${path(id)}/test`, body),
};
