import { describe, expect, it } from "vitest";
import { applySuggestion, suggest } from "./suggest";

const data = {
  input: { rx: "RX-1", patient: { name: "Ada", age: 40 }, items: [1] },
  outputs: { normalize: { drug: "Atorvastatin", quantity: 30 }, stock: { on_hand: 12 } },
};

describe("suggest", () => {
  it("offers the input's fields after `input.`", () => {
    expect(suggest("input.", 6, data)).toEqual({ from: 0, items: ["input.rx", "input.patient", "input.items"] });
  });

  it("narrows by what is typed and goes deeper", () => {
    expect(suggest("x > input.pa", 12, data)?.items).toEqual(["input.patient"]);
    expect(suggest("input.patient.", 14, data)?.items).toEqual(["input.patient.name", "input.patient.age"]);
  });

  it("offers node ids, then output, then the output's fields", () => {
    expect(suggest("nodes.", 6, data)?.items).toEqual(["nodes.normalize", "nodes.stock"]);
    expect(suggest("nodes.stock.", 12, data)?.items).toEqual(["nodes.stock.output"]);
    const s = suggest("{{ nodes.normalize.output.q", 27, data);
    expect(s).toEqual({ from: 3, items: ["nodes.normalize.output.quantity"] });
  });

  it("offers nothing for unknown paths, non-objects or other words", () => {
    expect(suggest("nodes.missing.output.", 21, data)).toBeNull();
    expect(suggest("input.rx.", 9, data)).toBeNull();
    expect(suggest("size(", 5, data)).toBeNull();
    expect(suggest("myinput.", 8, data)).toBeNull();
  });

  it("replaces the typed path with the chosen one", () => {
    expect(applySuggestion("input.pa > 1", 8, 0, "input.patient")).toEqual({ text: "input.patient > 1", cursor: 13 });
  });
});
