import { describe, expect, it } from "vitest";
import { canRedo, canUndo, historyLimit, record, redo, startHistory, undo } from "./history";

describe("undo stack", () => {
  it("undoes and redoes in order", () => {
    let h = record(record(startHistory("a"), "b"), "c");
    h = undo(h);
    expect(h.present).toBe("b");
    h = undo(h);
    expect(h.present).toBe("a");
    expect(canUndo(h)).toBe(false);
    h = redo(h);
    expect(h.present).toBe("b");
    expect(canRedo(h)).toBe(true);
  });

  it("clears the future on a new edit", () => {
    const h = record(undo(record(startHistory("a"), "b")), "c");
    expect(h.present).toBe("c");
    expect(canRedo(h)).toBe(false);
    expect(h.past).toEqual(["a"]);
  });

  it("ignores an edit equal to the present", () => {
    const h = startHistory("a");
    expect(record(h, "a")).toBe(h);
  });

  it("keeps at most the limit of past states", () => {
    let h = startHistory(0);
    for (let i = 1; i <= historyLimit + 20; i++) h = record(h, i);
    expect(h.past.length).toBe(historyLimit);
    expect(h.past[0]).toBe(20);
  });

  it("does nothing when there is nothing to undo or redo", () => {
    const h = startHistory("a");
    expect(undo(h)).toBe(h);
    expect(redo(h)).toBe(h);
  });
});
