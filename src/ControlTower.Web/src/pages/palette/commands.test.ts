import { describe, expect, it } from "vitest";
import { currentCommands, rankCommands, registerCommands, type Command } from "./commands";

const cmd = (label: string, group = "Go to", hint?: string): Command => ({ id: label, group, label, hint, run: () => {} });

describe("rankCommands", () => {
  const all = [
    cmd("Audit"),
    cmd("Runs"),
    cmd("Refill with stock check", "Workflow"),
    cmd("Add node: HTTP request", "Editor", "http.request"),
    cmd("Run workflow: Refill", "Run"),
  ];

  it("keeps the given order with no query", () => {
    expect(rankCommands(all, "  ").map((c) => c.label)).toEqual(all.map((c) => c.label));
  });

  it("ranks a label prefix before a label match before a group or hint match", () => {
    expect(rankCommands(all, "ru").map((c) => c.label)).toEqual(["Runs", "Run workflow: Refill"]);
    expect(rankCommands(all, "refill").map((c) => c.label)).toEqual(["Refill with stock check", "Run workflow: Refill"]);
    expect(rankCommands(all, "http.request").map((c) => c.label)).toEqual(["Add node: HTTP request"]);
  });

  it("needs every word", () => {
    expect(rankCommands(all, "add http").map((c) => c.label)).toEqual(["Add node: HTTP request"]);
    expect(rankCommands(all, "add audit")).toEqual([]);
  });
});

describe("registerCommands", () => {
  it("offers every source's commands and removes only the ones a source still owns", () => {
    const undoA = registerCommands("editor", [cmd("A")]);
    const undoC = registerCommands("other", [cmd("C")]);
    expect(currentCommands().map((c) => c.label)).toEqual(["A", "C"]);
    const undoB = registerCommands("editor", [cmd("B")]);
    undoA();
    expect(currentCommands().map((c) => c.label)).toEqual(["B", "C"]);
    undoB();
    undoC();
    expect(currentCommands()).toEqual([]);
  });
});
