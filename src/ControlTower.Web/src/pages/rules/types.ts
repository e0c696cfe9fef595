// Mirrors of the rule-set API (Server/Rules): definitions, versions and an evaluation with its explanation.

export interface RuleAction { type: string; outputs?: Record<string, unknown>; tag?: string; outcome?: string; reason?: string }
export interface Rule { id: string; condition: string; priority?: number; enabled?: boolean; description?: string; action: RuleAction }
export interface RuleSetDefinition { hitPolicy?: string; inputSchema?: { properties?: Record<string, unknown> }; rules: Rule[] }
export interface RuleSet {
  id: string; description: string | null; latestVersion: number; version: number; definition: RuleSetDefinition;
  author: string; message: string | null; createdAt: string; updatedAt: string;
}
export interface RuleSetVersion { version: number; author: string; message: string | null; createdAt: string }
export interface Why { expression: string; value?: unknown; error?: string; parts?: Why[] }
export interface Evaluation {
  ruleSetId: string; version: number; hitPolicy: string; outputs: Record<string, unknown>; tags: string[]; denied: boolean;
  requiresApproval: boolean; route: string | null;
  matched: { ruleId: string; priority: number; action: string; reason?: string | null }[];
  evaluated: { ruleId: string; matched: boolean; why: Why }[];
}
