import { describe, expect, it } from "vitest";
import { exampleOf, helpOf, labelOf, problemsAboveForm } from "./formText";

describe("form labels", () => {
  it("prefers the schema title, else splits the key into words", () => {
    expect(labelOf("expiresAfterSeconds", {})).toBe("Expires after seconds");
    expect(labelOf("credentialId", {})).toBe("Credential ID");
    expect(labelOf("url", {})).toBe("URL");
    expect(labelOf("max_iterations", {})).toBe("Max iterations");
    expect(labelOf("HTTPStatus", {})).toBe("HTTP status");
    expect(labelOf("credentialId", { title: "Credential" })).toBe("Credential");
  });

  it("falls back to help by name when the schema has no description", () => {
    expect(helpOf("url", {})).toMatch(/address/);
    expect(helpOf("url", { description: "Where to send it." })).toBe("Where to send it.");
    expect(helpOf("whatever", {})).toBeUndefined();
  });
});

describe("examples", () => {
  it("takes the schema's example, then its default", () => {
    expect(exampleOf("x", { examples: ["abc"] })).toBe("abc");
    expect(exampleOf("header", { default: "X-Signature" })).toBe("X-Signature");
  });

  it("fits the field's kind: a template for templates, an expression for expressions", () => {
    expect(exampleOf("url", { "x-cel": "template" })).toContain("{{");
    expect(exampleOf("when", { "x-cel": "expression" })).toBe("input.amount > 100");
    expect(exampleOf("evidence", { "x-cel": "expression" })).not.toContain("{{");
    expect(exampleOf("note", { "x-cel": "template" })).toBe("{{ input.note }}");
    expect(exampleOf("cron", { type: "string" })).toBe("0 9 * * 1-5");
    expect(exampleOf("expression", { "x-cel": "expression" })).not.toBe(exampleOf("when", { "x-cel": "expression" }));
  });
});

describe("problemsAboveForm", () => {
  const schema = {
    properties: {
      expression: { "x-cel": "expression" },
      seconds: { type: "integer" },
      mapping: { additionalProperties: { "x-cel": "template" } },
    },
  };
  it("leaves out problems the CEL field shows itself and lists a repeated message once", () => {
    const problems = [
      { pointer: "/config/expression", text: "syntax error (expression.invalid)" },
      { pointer: "/config/mapping/total", text: "bad template (expression.invalid)" },
      { pointer: "/config/seconds", text: "must be at least 0 (config.invalid)" },
      { pointer: "", text: "unreachable (graph.unreachable)" },
      { pointer: "", text: "unreachable (graph.unreachable)" },
    ];
    expect(problemsAboveForm(problems, schema)).toEqual(["must be at least 0 (config.invalid)", "unreachable (graph.unreachable)"]);
  });
});
