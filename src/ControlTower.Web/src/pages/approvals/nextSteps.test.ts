import { describe, expect, it } from "vitest";
import type { RunNode } from "../../api/runs";
import { actionState, nextSteps, runFinished } from "./nextSteps";

const node = (nodeId: string, startedAt: string | null, status = "succeeded", outcome: string | null = "success"): RunNode =>
  ({ nodeId, nodeType: "transform", status, outcome, startedAt, attempt: 1 }) as RunNode;

describe("nextSteps", () => {
  const decidedAt = "2026-12-07T10:00:00Z";

  it("lists the nodes started at or after the decision, in start order, without the approval node", () => {
    const nodes = [
      node("respond", "2026-12-07T10:00:02Z"),
      node("order", "2026-12-07T09:00:00Z"),
      node("gate", "2026-12-07T09:59:00Z", "succeeded", "approved"),
      node("notify", "2026-12-07T10:00:00Z"),
      node("later", null, "pending", null),
    ];
    const steps = nextSteps(nodes, { nodeId: "gate", nodeType: "approval", resolvedAt: decidedAt });
    expect(steps.action).toBeNull();
    expect(steps.following.map((n) => n.nodeId)).toEqual(["notify", "respond"]);
  });

  it("names the governed action itself, run again after the decision", () => {
    const dispense = { ...node("dispense", "2026-12-07T09:59:00Z"), nodeType: "governed.action" } as RunNode;
    const steps = nextSteps([dispense], { nodeId: "dispense", nodeType: "governed.action", resolvedAt: decidedAt });
    expect(steps.action?.nodeId).toBe("dispense");
    expect(steps.following).toEqual([]);
  });

  it("has nothing next while the approval is open", () => {
    expect(nextSteps([node("a", "2026-12-07T10:00:02Z")], { nodeId: "gate", nodeType: "approval" }).following).toEqual([]);
  });
});

describe("actionState", () => {
  it("says whether the action ran and how it ended", () => {
    expect(actionState(node("d", "x", "running", null))).toBe("executing");
    expect(actionState(node("d", "x", "succeeded", "success"))).toBe("executed and succeeded");
    expect(actionState(node("d", "x", "succeeded", "rejected"))).toBe("not executed (rejected)");
    expect(actionState(node("d", "x", "failed", null))).toBe("failed");
  });

  it("knows a finished run", () => {
    expect(runFinished("completed")).toBe(true);
    expect(runFinished("waiting")).toBe(false);
  });
});
