import { describe, expect, it } from "vitest";
import { asBlobRef, findBlobRefs, sizeText } from "./blobRefs";

const sha = "a".repeat(64);

describe("blob references", () => {
  it("recognises only the whole marker", () => {
    expect(asBlobRef({ $blob: { sha256: sha, size: 70000, mediaType: "application/json" } })).toEqual({
      sha256: sha,
      size: 70000,
      mediaType: "application/json",
    });
    expect(asBlobRef({ $blob: { sha256: sha, size: 1 }, other: 1 })).toBeNull();
    expect(asBlobRef({ $blob: { sha256: "../etc", size: 1 } })).toBeNull();
    expect(asBlobRef("text")).toBeNull();
  });

  it("finds references inside a node input, with their paths", () => {
    const input = {
      input: { $blob: { sha256: sha, size: 5, mediaType: "application/json" } },
      nodes: { big: { outcome: "success", output: { $blob: { sha256: "b".repeat(64), size: 9, mediaType: "application/json" } } } },
    };
    expect(findBlobRefs(input).map((r) => r.path)).toEqual(["input", "nodes.big.output"]);
  });

  it("says sizes in KiB and MiB", () => {
    expect(sizeText(65536)).toBe("64.0 KiB");
    expect(sizeText(3 * 1024 * 1024)).toBe("3.0 MiB");
  });
});
