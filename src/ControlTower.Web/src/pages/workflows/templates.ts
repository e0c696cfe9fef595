import type { Graph, GraphNode } from "../../api/workflows";

// Starting graphs for "New workflow". A template with tools uses an MCP tool the server lists (save-time validation
// refuses a tool of an unregistered server); the pharmacy refill is a copy of the demo's workflow when it exists.

export interface ToolRef {
  server: string;
  tool: string;
}
export interface Template {
  key: string;
  label: string;
  description: string;
  tools: number;
}

export const templates: Template[] = [
  { key: "blank", label: "Blank", description: "A manual trigger; build the rest on the canvas.", tools: 0 },
  {
    key: "webhook-tool-reply",
    label: "Webhook → tool → reply",
    description: "An HTTP call starts it, one MCP tool does the work, the webhook gets the tool's answer.",
    tools: 1,
  },
  {
    key: "schedule-tool-approval-tool",
    label: "Schedule → tool → approval → tool",
    description: "Every morning a tool gathers data, a person approves, a second tool acts.",
    tools: 2,
  },
  {
    key: "pharmacy-refill",
    label: "Pharmacy refill",
    description: "A copy of the demo's prescription refill: checks, prescriber and pharmacist approvals, a governed dispense.",
    tools: 0,
  },
];

const at = (i: number, y = 0) => ({ x: i * 260, y });
const toolNode = (id: string, name: string, t: ToolRef, i: number): GraphNode => ({
  id,
  type: "mcp.tool",
  name,
  config: { server: t.server, tool: t.tool, arguments: {} },
  position: at(i),
});
const edge = (source: string, target: string, sourceHandle = "success") => ({ source, target, sourceHandle, targetHandle: "in" });

/** The template's graph; tools are the MCP tools picked for its tool steps (in order). */
export function buildTemplate(key: string, tools: ToolRef[]): Graph {
  switch (key) {
    case "webhook-tool-reply":
      return {
        version: "1.0",
        nodes: [
          { id: "webhook", type: "trigger.webhook", name: "Webhook", config: { respondMode: "respond_node" }, position: at(0) },
          toolNode("call_tool", "Call the tool", tools[0], 1),
          { id: "reply", type: "respond", name: "Reply", config: { body: "nodes.call_tool.output" }, position: at(2) },
        ],
        edges: [edge("webhook", "call_tool"), edge("call_tool", "reply")],
        config: {},
      };
    case "schedule-tool-approval-tool":
      return {
        version: "1.0",
        nodes: [
          {
            id: "every_morning",
            type: "trigger.schedule",
            name: "Every morning",
            config: { cron: "0 8 * * *", timeZone: "UTC" },
            position: at(0),
          },
          toolNode("gather", "Gather", tools[0], 1),
          {
            id: "approve",
            type: "approval",
            name: "Approve",
            config: {
              title: "Approve today's action",
              instructions: "Check what the first tool found.",
              approvers: { roles: ["approver"] },
              evidence: "nodes.gather.output",
            },
            position: at(2),
          },
          toolNode("act", "Act", tools[1] ?? tools[0], 3),
        ],
        edges: [edge("every_morning", "gather"), edge("gather", "approve"), edge("approve", "act", "approved")],
        config: {},
      };
    default:
      return {
        version: "1.0",
        nodes: [{ id: "start", type: "trigger.manual", config: {}, position: { x: 80, y: 160 } }],
        edges: [],
        config: {},
      };
  }
}
