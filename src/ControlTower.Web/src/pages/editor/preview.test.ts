import { describe, expect, it } from "vitest";
import { previewOf } from "./preview";

describe("previewOf", () => {
  it("shows scalars as they are", () => {
    expect(previewOf(42)).toBe("42");
    expect(previewOf("RX-9")).toBe('"RX-9"');
    expect(previewOf(null)).toBe("null");
  });

  it("shows objects by their keys and values, nested ones by their size", () => {
    expect(previewOf({ status: 200, body: { on_hand: 12, rx: "RX-9" } })).toBe('{ status: 200, body: { on_hand: 12, rx: "RX-9" } }');
    expect(previewOf({ a: { b: { c: 1 } } })).toBe("{ a: { b: {1 keys} } }");
    expect(previewOf([{ id: 1 }, { id: 2 }])).toBe("[2] { id: 1 }");
  });

  it("cuts a long summary with an ellipsis", () => {
    const text = previewOf({ note: "x".repeat(100) }, 20);
    expect(text).toHaveLength(20);
    expect(text.endsWith("…")).toBe(true);
  });
});
