// Captures the tool catalogs of the pinned MCP reference servers as GET /api/mcp/tools lists them
// ({ tools: [{name, server, tool, title, description, inputSchema, outputSchema}] }), for the planner corpus in tests/.
// Usage: node tools/mcp-servers/capture-catalogs.mjs OUT.json   (run scripts/install-mcp-servers.sh first)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const bin = (pkg, file) => join(here, "node_modules", "@modelcontextprotocol", pkg, "dist", file);
const sandbox = mkdtempSync(join(tmpdir(), "ct-catalog-"));
const servers = [
  { id: "everything", args: [bin("server-everything", "index.js"), "stdio"] },
  { id: "filesystem", args: [bin("server-filesystem", "index.js"), sandbox] },
  { id: "memory", args: [bin("server-memory", "index.js")], env: { MEMORY_FILE_PATH: join(sandbox, "memory.jsonl") } },
];

const catalog = [];
for (const server of servers) {
  const transport = new StdioClientTransport({ command: process.execPath, args: server.args, env: { ...process.env, ...(server.env ?? {}) }, stderr: "ignore" });
  const client = new Client({ name: "ct-catalog-capture", version: "1.0.0" });
  await client.connect(transport);
  const { tools } = await client.listTools();
  for (const t of tools) {
    catalog.push({ name: `${server.id}/${t.name}`, server: server.id, tool: t.name, title: t.title ?? t.annotations?.title ?? null, description: t.description ?? null, inputSchema: t.inputSchema ?? null, outputSchema: t.outputSchema ?? null });
  }
  await client.close();
}
writeFileSync(process.argv[2], JSON.stringify({ tools: catalog }, null, 2) + "\n");
console.log(`captured ${catalog.length} tools from ${servers.length} servers`);
