import { describe, expect, it } from "vitest";
import type { Run } from "../../api/runs";
import { bulkTargets, dayStart, filtersFrom, runsQuery, statusTone } from "./runFilters";

const run = (id: string, status: string, outcome: string | null = null) => ({ id, status, outcome }) as Run;

describe("runs filters", () => {
  it("reads filters from the URL and keeps a fixed workflow", () => {
    const f = filtersFrom(new URLSearchParams("status=failed&workflowId=a&from=2026-12-01"), "b");
    expect(f).toEqual({ status: "failed", workflowId: "b", from: "2026-12-01", to: "" });
  });

  it("turns the day range into an instant window whose end day is inclusive", () => {
    const q = runsQuery({ status: "", workflowId: "", from: "2026-12-01", to: "2026-12-01" });
    expect(new Date(q.get("to")!).getTime() - new Date(q.get("from")!).getTime()).toBe(24 * 3600 * 1000);
    expect(new Date(q.get("from")!).getDate()).toBe(1);
  });

  it("drops a day that is not a date", () => {
    expect(dayStart("yesterday")).toBeNull();
    expect(runsQuery({ status: "failed", workflowId: "", from: "nope", to: "" }).toString()).toBe("limit=50&status=failed");
  });

  it("applies bulk cancel to unfinished runs and bulk retry to failed ones", () => {
    const runs = [run("1", "running"), run("2", "failed"), run("3", "completed"), run("4", "waiting")];
    const all = new Set(["1", "2", "3", "4"]);
    expect(bulkTargets(runs, all, "cancel").map((r) => r.id)).toEqual(["1", "4"]);
    expect(bulkTargets(runs, all, "retry").map((r) => r.id)).toEqual(["2"]);
    expect(bulkTargets(runs, new Set(["1"]), "retry")).toEqual([]);
  });

  it("does not show a completed run with a failure outcome as a success", () => {
    expect(statusTone(run("1", "completed", "failure"))).toBe("outcome_failure");
    expect(statusTone(run("1", "completed", "success"))).toBe("completed");
  });
});
