import { apiKey, ApiError } from "../../api";

// The demo's API: simulations (a job with an SSE progress stream) and scenarios (templates that each start one real refill run).

export interface SimulationCase { index: number; kind: string; rx: string; runId: string | null; outcome: string; injectedFailure: boolean; dispensedAutomatically: boolean; stageAfter: string; decisions: { nodeId: string; step: string; decision: string; latencySeconds: number; reason: string }[] }
export interface Window { from: number; to: number; cases: number; casesNeedingAPerson: number; humanDecisions: number; governedHumanDecisions: number }
export interface Figures { cases: number; finalStage: string; highestStage: string; stageFirstReachedAtCase: Record<string, number>; first: Window; last: Window; humanDecisionReduction: number | null; governedDecisionReduction: number | null }
export interface Simulation {
  id: string; status: "running" | "completed" | "cancelled" | "failed"; cases: number; done: number; seed: number; scopeKey: string; stage: string;
  stages: { afterCase: number; stage: string }[];
  counts: { humanDecisions: number; governedHumanDecisions: number; approved: number; rejected: number; automaticDispenses: number; restocks: number; simulatedPersonSeconds: number; outcomes: Record<string, number> };
  elapsedSeconds: number; casesPerSecond: number; figures: Figures | null; recent: SimulationCase[]; error: string | null;
}
export interface Scenario { id: string; title: string; description: string; expected: ScenarioExpectation }
export interface ScenarioExpectation { phase: string; reason: string | null; personDecides: string }
/** The answer of POST /api/demo/scenarios/{id}/start (201 for a new run, 200 for a replayed Idempotency-Key). */
export interface ScenarioStarted { scenarioId: string; runId: string; workflowId: string; created: boolean; expected: ScenarioExpectation }

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
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) onView(JSON.parse(data) as Simulation);
    }
  }
}
