import { describe, expect, it } from "vitest";
import { readableViewport, readableZoom } from "./fit";

describe("readableViewport", () => {
  it("centres a small graph without zooming past the maximum", () => {
    const v = readableViewport({ x: 0, y: 0, width: 200, height: 100 }, { width: 1000, height: 600 });
    expect(v.zoom).toBe(1);
    expect(v.x).toBeCloseTo((1000 - 200) / 2);
    expect(v.y).toBeCloseTo((600 - 100) / 2);
  });

  it("shrinks a graph that fits at a readable zoom", () => {
    const v = readableViewport({ x: 100, y: 0, width: 1000, height: 200 }, { width: 980, height: 600 }, 40);
    expect(v.zoom).toBeCloseTo(0.9);
    expect(v.x).toBeCloseTo((980 - 900) / 2 - 90);
  });

  it("shows a wide graph from its start at the readable zoom", () => {
    const v = readableViewport({ x: -50, y: 0, width: 2400, height: 300 }, { width: 800, height: 600 }, 40);
    expect(v.zoom).toBe(readableZoom);
    expect(v.x).toBeCloseTo(40 + 50 * readableZoom);
    expect(v.y).toBeCloseTo((600 - 300 * readableZoom) / 2);
  });
});
