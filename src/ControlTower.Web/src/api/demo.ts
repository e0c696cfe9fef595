// The demo's API: simulations (a job with an SSE progress stream), scenarios (templates that each start one real refill
// run), auto-steps and the reset. Types come from the server's OpenAPI document.
import { api, apiKey, ApiError, getOptional, sseData } from "../api";
import type { Present, Schemas } from "./schemas";

export type SimulatedDecision = Present<Schemas["SimulatedDecision"], "nodeId" | "step" | "decision" | "reason">;
export type SimulationCase = Present<Omit<Schemas["SimulatedCaseView"], "decisions">, "kind" | "rx" | "outcome" | "stageAfter"> & {
  decisions: SimulatedDecision[];
};
export type Figures = Present<Schemas["SimulationFigures"], "stageFirstReachedAtCase">;
export type Simulation = Present<
  Omit<Schemas["SimulationView"], "status" | "stages" | "counts" | "figures" | "recent">,
  "scopeKey" | "stage"
> & {
  /** The document types it as a string; these are the values the server writes. */
  status: "running" | "completed" | "cancelled" | "failed";
  stages: Present<Schemas["StagePoint"], "stage">[];
  counts: Present<Schemas["SimulationCounts"], "outcomes">;
  figures: Figures | null;
  recent: SimulationCase[];
};
export type ScenarioExpectation = Present<Schemas["ScenarioExpectation"], "phase" | "personDecides">;
export type Scenario = Present<Omit<Schemas["ScenarioView"], "expected">, "id" | "title" | "description"> & {
  expected: ScenarioExpectation;
};
/** The answer of POST /api/demo/scenarios/{id}/start (201 for a new run, 200 for a replayed Idempotency-Key). */
export type ScenarioStarted = Present<Omit<Schemas["ScenarioStarted"], "expected">, "scenarioId"> & { expected: ScenarioExpectation };
export type AutoStep = Present<Schemas["AutoStepResult"], "why">;

export const demoApi = {
  /** Null when the server runs without the demo (the route is absent). */
  scenarios: () => getOptional<Scenario[]>("/api/demo/scenarios"),
  startScenario: (id: string) => api.post<ScenarioStarted>(`/api/demo/scenarios/${encodeURIComponent(id)}/start`),
  simulations: () => api.get<Simulation[]>("/api/demo/simulations"),
  simulate: (body: Partial<Schemas["SimulationBody"]>) => api.post<Simulation>("/api/demo/simulations", body),
  cancelSimulation: (id: string) => api.post<Simulation>(`/api/demo/simulations/${id}/cancel`),
  autoStep: (runId: string) => api.post<AutoStep>(`/api/demo/cases/${runId}/auto-step`),
  reset: () => api.post<Schemas["ResetResult"]>("/api/demo/reset"),
};

/**
 * Follows a simulation's progress stream over fetch (EventSource cannot send a Bearer header): `onView` gets the job after
 * every case; resolves once the job has ended (the `complete` event) or `signal` aborts.
 */
export async function followSimulation(id: string, onView: (s: Simulation) => void, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`/api/demo/simulations/${id}/events`, { headers, signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, `${res.status} ${res.statusText}`, await res.text(), null, null);
  for await (const data of sseData(res.body)) onView(JSON.parse(data) as Simulation);
}
