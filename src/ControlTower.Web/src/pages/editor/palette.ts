import type { NodeType } from "../../api/nodeTypes";
import type { McpTool } from "../../api/mcp";

/** One thing the palette can add: a node type, or an MCP tool as a preconfigured `mcp.tool` node. */
export interface PaletteEntry {
  key: string;
  type: string;
  label: string;
  hint: string;
  config: Record<string, unknown>;
}

export interface PaletteGroup {
  title: string;
  entries: PaletteEntry[];
}

/** The drag payload's MIME type, so only palette drags drop nodes onto the canvas. */
export const dragMime = "application/x-controltower-node";

const order = ["trigger", "action", "logic", "flow", "human", "ai"];
const titles: Record<string, string> = { trigger: "Triggers", action: "Actions", logic: "Logic", flow: "Flow", human: "Human", ai: "AI" };

function entryOf(t: NodeType): PaletteEntry {
  return { key: t.type, type: t.type, label: t.displayName, hint: t.description, config: {} };
}

/** Node types grouped by category in a fixed order, then one group per MCP server with its tools. */
export function buildPalette(types: NodeType[], tools: McpTool[] | null): PaletteGroup[] {
  const groups = order.map((c) => ({ title: titles[c], entries: types.filter((t) => t.category === c).map(entryOf) }));
  const rest = types.filter((t) => !order.includes(t.category));
  if (rest.length) groups.push({ title: "Other", entries: rest.map(entryOf) });
  const byServer = new Map<string, McpTool[]>();
  for (const tool of tools ?? []) byServer.set(tool.server, [...(byServer.get(tool.server) ?? []), tool]);
  for (const [server, list] of byServer) {
    groups.push({
      title: `MCP · ${server}`,
      entries: list.map((t) => ({
        key: `mcp:${t.name}`,
        type: "mcp.tool",
        label: t.title || t.tool,
        hint: t.description ?? t.name,
        config: { server: t.server, tool: t.tool, arguments: {} },
      })),
    });
  }
  return groups.filter((g) => g.entries.length > 0);
}

/** A fresh node id from the entry: the tool or type name with the first free counter. */
export function newNodeId(entry: PaletteEntry, taken: (id: string) => boolean): string {
  const base = entry.type === "mcp.tool" ? `${entry.config.tool as string}` : entry.type.replace(/^trigger\./, "").replace(/\./g, "_");
  const stem = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^[^A-Za-z_]/, "n");
  let n = 1;
  while (taken(`${stem}_${n}`)) n++;
  return `${stem}_${n}`.slice(0, 64);
}
