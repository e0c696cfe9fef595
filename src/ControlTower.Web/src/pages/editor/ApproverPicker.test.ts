import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../../api/nodeTypes";
import { approversAt, approversPath, withApproversAt, withoutApprovers } from "./ApproverPicker";

const governed: JsonSchema = {
  type: "object",
  properties: {
    tool: { type: "string" },
    approval: { type: "object", properties: { title: { type: "string" }, approvers: { type: "object" } } },
  },
};

describe("approver picker paths", () => {
  it("finds approvers in an approval node and in a governed action's approval block", () => {
    expect(approversPath("approval")).toEqual([]);
    expect(approversPath("governed.action")).toEqual(["approval"]);
    expect(approversPath("transform")).toBeNull();
  });

  it("removes only the approvers from the nested schema", () => {
    const schema = withoutApprovers(governed, ["approval"]);
    expect(Object.keys(schema.properties!.approval.properties!)).toEqual(["title"]);
    expect(schema.properties!.tool).toEqual({ type: "string" });
  });

  it("reads and writes approvers inside the block, keeping its other settings", () => {
    const config = { tool: "dispense", approval: { title: "Check", approvers: { roles: ["pharmacist"] } } };
    expect(approversAt(config, ["approval"])).toEqual({ roles: ["pharmacist"] });
    const next = withApproversAt(config, ["approval"], { roles: [], users: ["ana"] });
    expect(next).toEqual({ tool: "dispense", approval: { title: "Check", approvers: { roles: [], users: ["ana"] } } });
  });

  it("drops a block that removing the approvers leaves empty, since an empty block means the defaults", () => {
    expect(withApproversAt({ tool: "t", approval: { approvers: { roles: ["x"] } } }, ["approval"], undefined)).toEqual({ tool: "t" });
    expect(withApproversAt({ approvers: { users: ["a"] }, title: "T" }, [], undefined)).toEqual({ title: "T" });
  });
});
