// Shapes of GET /api/metrics/summary, /api/slos and /api/alerts.

export interface Latency { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null }
export interface ErrorCount { code: string; count: number; rate: number }
export interface RunFigures { started: number; completed: number; failed: number; throughputPerMinute: number; errorRate: number; latency: Latency; errors: ErrorCount[] }
export interface QueueFigures { sampledAt: string; dueTasks: number; runningAttempts: number; parked: number; busySlots: number; slots: number; saturation: number; approvalsWaiting: number }
export interface SummaryPoint { at: string; completed: number; failed: number; p50: number | null; p95: number | null; p99: number | null; dueTasks: number | null; saturation: number }
export interface MetricsSummary { window: string; from: string; to: string; process: RunFigures; database: RunFigures; queue: QueueFigures; series: SummaryPoint[] }

export interface BurnRate { rule: string; severity: string; longWindowHours: number; shortWindowHours: number; factor: number; longBurnRate: number; shortBurnRate: number; firing: boolean }
export interface SloStatus { id: string; kind: string; workflowId: string | null; objective: number; latencyThresholdMs: number | null; periodDays: number; periodEvents: number; periodBadEvents: number; budgetRemaining: number; burnRates: BurnRate[] }
export interface SloAlert { id: string; dedupeKey: string; sloId: string; rule: string; severity: string; longBurnRate: number; shortBurnRate: number; firedAt: string; resolvedAt: string | null; configRevision: string }
export interface SlosResponse { configRevision: string; evaluatedAt: string; slos: SloStatus[]; alerts: SloAlert[] }
export interface AlertsResponse { firing: SloAlert[]; recentlyResolved: SloAlert[] }
