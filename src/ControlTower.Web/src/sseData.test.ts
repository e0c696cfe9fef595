import { describe, expect, it } from "vitest";
import { sseData } from "./api";

function body(chunks: string[]): NonNullable<Response["body"]> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("sseData", () => {
  it("yields each frame's data in order, across chunk boundaries, joining multi-line data", async () => {
    const seen: string[] = [];
    for await (const data of sseData(body(['id: 1\ndata: {"a"', ":1}\n\n: comment\n\ndata: x\ndata: y\n\n", "data: last\n\n"])))
      seen.push(data);
    expect(seen).toEqual(['{"a":1}', "x\ny", "last"]);
  });
});
