import { describe, expect, it } from "vitest";
import { auditTargetHref, auditTargetLabel } from "./auditTarget";

describe("auditTargetHref", () => {
  it("links runs and workflows to their own pages", () => {
    expect(auditTargetHref("run:0b5c3d2e-1111-2222-3333-444455556666")).toBe("/runs/0b5c3d2e-1111-2222-3333-444455556666");
    expect(auditTargetHref("workflow:abc")).toBe("/workflows/abc");
  });
  it("links other kinds to the page that lists them, and nothing for unknown ones", () => {
    expect(auditTargetHref("approval:x")).toBe("/approvals");
    expect(auditTargetHref("mcp_server:pharmacy")).toBe("/mcp-servers");
    expect(auditTargetHref("cli:migrate")).toBeNull();
    expect(auditTargetHref("no-colon")).toBeNull();
    expect(auditTargetHref(null)).toBeNull();
  });
});

describe("auditTargetLabel", () => {
  it("keeps short targets and shortens long ids to their kind and first 8 characters", () => {
    expect(auditTargetLabel("gate:pharmacy.dispense")).toBe("gate:pharmacy.dispense");
    expect(auditTargetLabel("run:0b5c3d2e-1111-2222-3333-444455556666")).toBe("run:0b5c3d2e…");
    expect(auditTargetLabel("x".repeat(50))).toBe(`${"x".repeat(31)}…`);
  });
});
