import { describe, expect, it } from "vitest";
import { phasesOf, settingsOf, withSettings } from "./runSettings";

const config = { phases: { a: "ordered", b: "completed", c: "failed", d: "failed" }, outcomes: { failed: "failure" }, stepBudget: 50 };

describe("run settings", () => {
  it("lists each declared phase once", () => {
    expect(phasesOf(config)).toEqual(["ordered", "completed", "failed"]);
    expect(phasesOf(undefined)).toEqual([]);
  });

  it("reads the settings with blanks for what the config does not say", () => {
    expect(settingsOf(config)).toEqual({
      durability: "checkpoint",
      stepBudget: "50",
      maxParallelNodes: "",
      outcomes: { ordered: "", completed: "", failed: "failure" },
    });
  });

  it("writes only what differs from the defaults and keeps the rest of the config", () => {
    const s = settingsOf(config);
    const next = withSettings(config, { ...s, stepBudget: "", durability: "step", outcomes: { ...s.outcomes, completed: "success" } });
    expect(next).toEqual({ phases: config.phases, durability: "step", outcomes: { completed: "success", failed: "failure" } });
    expect(
      withSettings({ outcomes: { x: "success" } }, { durability: "checkpoint", stepBudget: "", maxParallelNodes: "", outcomes: { x: "" } }),
    ).toEqual({});
  });
});
