import { describe, expect, it } from "vitest";
import type { GraphNode } from "../../api/workflows";
import { copyNodes, parseClip, pasteNodes } from "./clipboard";

const node = (id: string, x = 0): GraphNode => ({ id, type: "transform", config: { expression: "input" }, position: { x, y: 0 } });
const nodes = [node("a"), node("b", 200), node("c", 400)];
const edges = [
  { source: "a", target: "b", sourceHandle: "success", targetHandle: "in" },
  { source: "b", target: "c" },
];

describe("clipboard", () => {
  it("copies the selected nodes and only the edges between them", () => {
    const clip = copyNodes(nodes, edges, new Set(["a", "b"]));
    expect(clip.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(clip.edges).toEqual([edges[0]]);
  });

  it("round-trips through text and refuses other JSON", () => {
    const clip = copyNodes(nodes, edges, new Set(["a"]));
    expect(parseClip(JSON.stringify(clip))).toEqual(clip);
    expect(parseClip('{"nodes":[]}')).toBeNull();
    expect(parseClip("not json")).toBeNull();
  });

  it("pastes under fresh ids, offset, with the edges renamed", () => {
    const clip = copyNodes(nodes, edges, new Set(["a", "b"]));
    const pasted = pasteNodes(clip, ["a", "b", "c", "a_copy"], { x: 40, y: 40 });
    expect(pasted.nodes.map((n) => n.id)).toEqual(["a_copy_2", "b_copy"]);
    expect(pasted.nodes[1].position).toEqual({ x: 240, y: 40 });
    expect(pasted.edges).toEqual([{ source: "a_copy_2", target: "b_copy", sourceHandle: "success", targetHandle: "in" }]);
  });

  it("does not pile suffixes on a copy of a copy", () => {
    const clip = copyNodes([node("a_copy")], [], new Set(["a_copy"]));
    expect(pasteNodes(clip, ["a_copy"], { x: 0, y: 0 }).nodes[0].id).toBe("a_copy_2");
  });

  it("leaves the clip unchanged", () => {
    const clip = copyNodes(nodes, edges, new Set(["a"]));
    pasteNodes(clip, [], { x: 10, y: 10 }).nodes[0].config.expression = "changed";
    expect(clip.nodes[0].config.expression).toBe("input");
  });
});
