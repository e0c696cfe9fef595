// Mirrors of the Server's GateView, GateHistoryView and KillSwitchView (Governance/GateService.cs).
export interface Gate { scopeKey: string; workflowId: string | null; nodeType: string | null; actionType: string | null; authorized: boolean; reason: string; updatedBy: string; updatedAt: string }
export interface GateChange { scopeKey: string; value: boolean; reason: string; actor: string; at: string }
export interface KillSwitch { engaged: boolean; reason: string | null; updatedBy: string | null; updatedAt: string | null }
// Mirror of the Server's NodeTypeSwitchView (NodeSwitches/NodeTypeSwitches.cs) and of the audit entries it writes.
export interface NodeTypeSwitch { type: string; category: string; displayName: string; enabled: boolean; reason: string | null; changedBy: string | null; changedAt: string | null }

export const killSwitchKey = "kill_switch";
export const historyLimit = 500;
