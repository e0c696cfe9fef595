import { describe, expect, it } from "vitest";
import { buildTemplate, templates } from "./templates";

const tools = [
  { server: "pharmacy", tool: "get_stock" },
  { server: "pharmacy", tool: "dispense" },
];

describe("templates", () => {
  it("connects every edge to nodes of the graph", () => {
    for (const t of templates.filter((x) => x.key !== "pharmacy-refill")) {
      const g = buildTemplate(t.key, tools);
      const ids = new Set(g.nodes.map((n) => n.id));
      expect(ids.size).toBe(g.nodes.length);
      for (const e of g.edges) {
        expect(ids.has(e.source)).toBe(true);
        expect(ids.has(e.target)).toBe(true);
      }
      expect(g.nodes[0].type.startsWith("trigger.")).toBe(true);
    }
  });

  it("uses the picked tools in order and continues after the approval only when approved", () => {
    const g = buildTemplate("schedule-tool-approval-tool", tools);
    expect(g.nodes.filter((n) => n.type === "mcp.tool").map((n) => n.config.tool)).toEqual(["get_stock", "dispense"]);
    expect(g.edges.find((e) => e.source === "approve")?.sourceHandle).toBe("approved");
  });
});
