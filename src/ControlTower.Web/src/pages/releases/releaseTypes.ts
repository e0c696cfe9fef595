/** The release API's shapes (see src/ControlTower.Server/Releases/ReleaseContracts.cs). */
export interface VersionSample { version: number; finished: number; failed: number; errorRate: number; p95Ms: number | null }
export interface CanaryPolicy { steps: number[]; stepPauseSeconds: number; minRunsPerStep: number; maxErrorRateIncrease: number; maxLatencyRatio: number }
export interface CanaryState {
  step: number; percent: number; stepStartedAt: string; promotionCheckAt: string;
  stable: VersionSample; candidate: VersionSample; policy: CanaryPolicy;
}
export interface Release {
  workflowId: string; mode: "latest" | "direct" | "canary" | "shadow";
  stableVersion: number; candidateVersion: number | null; previousStableVersion: number | null; latestVersion: number;
  phaseStartedAt: string | null; lastDecision: string | null; updatedAt: string | null; updatedBy: string | null;
  canary: CanaryState | null;
}
export interface ShadowNode { nodeId: string; nodeType: string | null; compared: number; differing: number }
export interface ShadowRun { liveRunId: string; shadowRunId: string | null; liveVersion: number; createdAt: string; compared: boolean; differences: number | null; refusedCode: string | null }
export interface ShadowReport {
  workflowId: string; candidateVersion: number | null; shadowRuns: number; compared: number; withDifferences: number; refused: number;
  nodes: ShadowNode[]; recent: ShadowRun[];
}

export const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
