import { describe, expect, it } from "vitest";
import { commentHint, commentRule, mayDecide } from "./commentRule";

describe("commentRule", () => {
  it("reads the approval's setting, rejections needing a comment by default", () => {
    expect(commentRule("always")).toBe("always");
    expect(commentRule("never")).toBe("never");
    expect(commentRule(undefined)).toBe("reject");
    expect(commentRule("something else")).toBe("reject");
  });

  it("lets a decision through only with the comment its rule asks for", () => {
    expect(mayDecide("reject", "approve", "")).toBe(true);
    expect(mayDecide("reject", "reject", "  ")).toBe(false);
    expect(mayDecide("reject", "reject", "wrong dose")).toBe(true);
    expect(mayDecide("always", "approve", "")).toBe(false);
    expect(mayDecide("always", "approve", "ok")).toBe(true);
    expect(mayDecide("never", "reject", "")).toBe(true);
  });

  it("says on the form what is required", () => {
    expect(commentHint("always")).toMatch(/^required,/);
    expect(commentHint("reject")).toMatch(/required to reject/);
    expect(commentHint("never")).toMatch(/^optional/);
  });
});
