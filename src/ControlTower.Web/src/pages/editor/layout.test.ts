import { describe, expect, it } from "vitest";
import { arrange, columnWidth, layers, rowHeight } from "./layout";

describe("arrange", () => {
  it("puts a chain in one row, left to right", () => {
    const p = arrange(
      ["a", "b", "c"],
      [
        { source: "a", target: "b" },
        { source: "b", target: "c" },
      ],
    );
    expect([...p.values()]).toEqual([
      { x: 0, y: 0 },
      { x: columnWidth, y: 0 },
      { x: 2 * columnWidth, y: 0 },
    ]);
  });

  it("places a node after the longest path that reaches it", () => {
    // a → b → c and a → c: c sits in layer 2, not 1.
    const p = arrange(
      ["a", "b", "c"],
      [
        { source: "a", target: "b" },
        { source: "b", target: "c" },
        { source: "a", target: "c" },
      ],
    );
    expect(p.get("c")!.x).toBe(2 * columnWidth);
  });

  it("stacks the branches of a fork and centres the narrower layers", () => {
    const p = arrange(
      ["start", "yes", "no"],
      [
        { source: "start", target: "yes" },
        { source: "start", target: "no" },
      ],
    );
    expect(p.get("yes")).toEqual({ x: columnWidth, y: 0 });
    expect(p.get("no")).toEqual({ x: columnWidth, y: rowHeight });
    expect(p.get("start")).toEqual({ x: 0, y: rowHeight / 2 });
  });

  it("orders a layer by its parents so edges do not cross", () => {
    // Parents p1 (top) and p2 (bottom); c2 listed first but hangs off p2, so it goes below c1.
    const p = arrange(
      ["p1", "p2", "c2", "c1"],
      [
        { source: "p1", target: "c1" },
        { source: "p2", target: "c2" },
      ],
    );
    expect(p.get("c1")!.y).toBeLessThan(p.get("c2")!.y);
  });

  it("ignores self loops, duplicates and edges to unknown nodes", () => {
    const p = arrange(
      ["a", "b"],
      [
        { source: "a", target: "a" },
        { source: "a", target: "b" },
        { source: "a", target: "b" },
        { source: "x", target: "b" },
      ],
    );
    expect(p.get("a")).toEqual({ x: 0, y: 0 });
    expect(p.get("b")).toEqual({ x: columnWidth, y: 0 });
  });

  it("is deterministic and places every node, even on a cycle", () => {
    const ids = ["a", "b", "c"];
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
      { source: "c", target: "b" },
    ];
    expect(arrange(ids, edges)).toEqual(arrange(ids, edges));
    expect(arrange(ids, edges).size).toBe(3);
  });
});

describe("layers", () => {
  it("gives sources layer 0", () => {
    expect(
      layers(3, [
        [0, 2],
        [1, 2],
      ]),
    ).toEqual([0, 0, 1]);
  });
});
