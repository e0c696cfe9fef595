import { describe, expect, it } from "vitest";
import type { Graph } from "../../api/workflows";
import { singleNodePins } from "./pins";

const graph: Graph = {
  version: "1.0",
  nodes: [
    { id: "start", type: "trigger.manual", config: {} },
    { id: "shape", type: "transform", config: {} },
    { id: "stock", type: "mcp.tool", config: {} },
    { id: "check", type: "condition", config: {} },
    { id: "notify", type: "http.request", config: {} },
    { id: "reply", type: "respond", config: {} },
  ],
  edges: [
    { source: "start", target: "shape" },
    { source: "shape", target: "stock" },
    { source: "stock", target: "check" },
    { source: "check", target: "notify" },
    { source: "notify", target: "reply" },
  ],
};

describe("singleNodePins", () => {
  it("runs the pure nodes before the target again and pins tools and everything after it", () => {
    const pins = singleNodePins(graph, "check", { stock: { on_hand: 3 }, notify: { status: 200 } });
    expect(pins).toEqual({ stock: { on_hand: 3 }, notify: { status: 200 }, reply: null });
  });

  it("leaves the target itself unpinned even when it is a tool", () => {
    const pins = singleNodePins(graph, "stock", { stock: { on_hand: 3 } });
    expect(pins).not.toHaveProperty("stock");
    expect(Object.keys(pins)).toEqual(["check", "notify", "reply"]);
  });
});
