// Operations: the metrics summary, SLOs and their alerts (the Overview page). Types come from the server's OpenAPI document.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export type ErrorCount = Present<Schemas["ErrorCount"], "code">;
export type RunFigures = Omit<Schemas["RunFigures"], "errors"> & { errors: ErrorCount[] };
export type SummaryPoint = Schemas["SummaryPoint"];
export type MetricsSummary = Present<Omit<Schemas["MetricsSummary"], "process" | "database" | "series">, "window"> & {
  process: RunFigures;
  database: RunFigures;
  series: SummaryPoint[];
};
export type BurnRate = Present<Schemas["BurnRateFigures"], "rule" | "severity">;
export type SloStatus = Present<Omit<Schemas["SloStatus"], "burnRates">, "id" | "kind"> & { burnRates: BurnRate[] };
export type SloAlert = Present<Schemas["SloAlertResponse"], "dedupeKey" | "sloId" | "rule" | "severity" | "configRevision">;
export type SlosResponse = Present<Omit<Schemas["SlosResponse"], "slos" | "alerts">, "configRevision"> & {
  slos: SloStatus[];
  alerts: SloAlert[];
};
export type AlertsResponse = { firing: SloAlert[]; recentlyResolved: SloAlert[] };

export const operationsApi = {
  /** `window`: how far back the figures go (e.g. `1h`, `24h`). */
  summary: (window: string) => api.get<MetricsSummary>(`/api/metrics/summary?window=${window}`),
  slos: () => api.get<SlosResponse>("/api/slos"),
  alerts: () => api.get<AlertsResponse>("/api/alerts"),
};
