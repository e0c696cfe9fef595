import { describe, expect, it } from "vitest";
import { problemsOf, summaryWithoutPointer } from "./errorDetails";

describe("problemsOf", () => {
  it("lists graph problems with their pointers and field errors with their fields", () => {
    const body = {
      problems: [{ code: "graph.config_invalid", jsonPointer: "/nodes/2/config/url", message: "url is required" }],
      errors: { name: ["Name is required.", "Too short."] },
    };
    expect(problemsOf(body)).toEqual([
      { where: "/nodes/2/config/url", message: "url is required" },
      { where: "name", message: "Name is required." },
      { where: "name", message: "Too short." },
    ]);
  });

  it("finds nothing in a body without problems", () => {
    expect(problemsOf(null)).toEqual([]);
    expect(problemsOf("text")).toEqual([]);
    expect(problemsOf({ title: "Conflict" })).toEqual([]);
  });

  it("drops the pointer to the problems list from the summary", () => {
    expect(summaryWithoutPointer("The graph has 2 problem(s); see 'problems'.")).toBe("The graph has 2 problem(s).");
    expect(summaryWithoutPointer("Name taken.")).toBe("Name taken.");
  });
});
