// Trust: scopes with their stage and metrics, one scope's history, and the model cards.
// Types come from the server's OpenAPI document; the JSON values it gives only as objects (metrics, thresholds,
// checks, a model's manifest) are spelled out here as the server writes them (Server/Trust).
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export interface Rate {
  hits: number;
  trials: number;
  rate: number | null;
  lower: number | null;
  upper: number | null;
}
export interface TrustMetrics {
  events: number;
  reliability: Rate;
  alignment: Rate;
  overrideRate: Rate;
  brier: number | null;
  ece: number | null;
  calibrationSample: number;
  medianDecisionSeconds: number | null;
  autoExecutions: number;
  secondsSaved: number | null;
  atStage: { sample: number; failureStreak: number; rollbacks: number };
}
export interface Threshold {
  reliability: number;
  alignment: number;
  maxEce: number | null;
}
export interface StageCheck {
  name: string;
  value: number | null;
  comparison: string;
  threshold: number;
  passed: boolean;
}

export type MetricPoint = Schemas["MetricPoint"];
export type StageChange = Present<Omit<Schemas["StageChangeView"], "reasons" | "checks" | "metrics">, "from" | "to" | "rule" | "actor"> & {
  reasons: string[];
  checks: StageCheck[];
};
export type TrustEvent = Present<Schemas["TrustEventView"], "kind" | "actor" | "proposalId">;
export type Scope = Present<
  Omit<Schemas["ScopeView"], "scope" | "pin" | "gate" | "metrics" | "thresholds" | "lastReasons">,
  "key" | "stage" | "effectiveStage" | "policyVersion"
> & {
  scope: Record<string, string>;
  pin: Present<Schemas["PinView"], "stage" | "reason" | "by"> | null;
  gate: { authorized: boolean; why: string; cap: string };
  metrics: TrustMetrics | null;
  thresholds: Record<string, Threshold | number>;
  lastReasons: string[] | null;
};
export type ScopeDetail = { scope: Scope; changes: StageChange[]; series: MetricPoint[]; events: TrustEvent[] };

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}
export interface ModelManifest {
  dataset: { rows: number };
  metrics: {
    auc: number | null;
    brier: number | null;
    ece: number | null;
    calibration: string | null;
    trees?: { leaves: number; trees: number } | null;
    reliability: ReliabilityBin[];
    importances: { feature: string; importance: number }[];
  };
}
export type Model = Present<Omit<Schemas["TrustModelView"], "manifest">, "kind" | "version"> & { manifest: ModelManifest };
export type Models = { models: Model[]; check: Present<Schemas["RetrainCheckView"], "reasons"> };

export const trustApi = {
  scopes: () => api.get<Scope[]>("/api/trust/scopes"),
  scope: (key: string) => api.get<ScopeDetail>(`/api/trust/scopes/${encodeURIComponent(key)}`),
  models: () => api.get<Models>("/api/trust/models"),
};
