import { useEffect, useState } from "react";

import { mcpApi, type McpTool } from "../../api/mcp";
import { workflowsApi, type Graph, type WorkflowSummary } from "../../api/workflows";
import { buildTemplate, templates, type ToolRef } from "./templates";

export const pharmacyWorkflowName = "Prescription refill";

/** Picks a starting graph: a template, with the MCP tools for its tool steps. Answers how to build the graph. */
export function TemplatePicker({ onChange }: { onChange: (build: () => Promise<Graph>) => void }) {
  const [key, setKey] = useState("blank");
  const [tools, setTools] = useState<McpTool[] | null>(null);
  const [refill, setRefill] = useState<WorkflowSummary | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  useEffect(() => {
    mcpApi.tools().then(
      (r) => setTools(r?.tools ?? []),
      () => setTools([]),
    );
    workflowsApi.list().then(
      (ws) => setRefill(ws.find((w) => w.name === pharmacyWorkflowName) ?? null),
      () => setRefill(null),
    );
  }, []);
  const template = templates.find((t) => t.key === key)!;
  const refs: ToolRef[] = Array.from({ length: template.tools }, (_, i) => {
    const name = picked[i] ?? tools?.[Math.min(i, (tools?.length ?? 1) - 1)]?.name;
    const tool = tools?.find((t) => t.name === name);
    return tool ? { server: tool.server, tool: tool.tool } : null;
  }).filter((t): t is ToolRef => t !== null);
  const toolKey = JSON.stringify(refs);
  useEffect(() => {
    const chosen = JSON.parse(toolKey) as ToolRef[];
    if (key === "pharmacy-refill" && refill) onChange(async () => (await workflowsApi.get(refill.id)).graph);
    else onChange(async () => buildTemplate(key, chosen));
  }, [key, refill, toolKey, onChange]);
  const available = (k: string, n: number) => (k === "pharmacy-refill" ? refill !== null : n === 0 || (tools?.length ?? 0) > 0);
  return (
    <fieldset className="templates" data-testid="templates">
      <legend>Start from</legend>
      {templates.map((t) => (
        <label key={t.key} className={`template${key === t.key ? " picked" : ""}`}>
          <input
            type="radio"
            name="template"
            value={t.key}
            checked={key === t.key}
            disabled={!available(t.key, t.tools)}
            onChange={() => setKey(t.key)}
            data-testid={`template-${t.key}`}
          />
          <span>
            <strong>{t.label}</strong>
            <span className="muted small">
              {t.description}
              {!available(t.key, t.tools) &&
                (t.key === "pharmacy-refill" ? " (the pharmacy demo is not on this server)" : " (needs a registered MCP server)")}
            </span>
          </span>
        </label>
      ))}
      {template.tools > 0 &&
        Array.from({ length: template.tools }, (_, i) => (
          <label key={i} className="field">
            Tool {template.tools > 1 ? (i === 0 ? "to gather with" : "to act with") : "to call"}
            <select
              value={picked[i] ?? tools?.[Math.min(i, tools.length - 1)]?.name ?? ""}
              onChange={(e) =>
                setPicked((p) => {
                  const n = [...p];
                  n[i] = e.target.value;
                  return n;
                })
              }
              data-testid={`template-tool-${i}`}
            >
              {tools?.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.server} · {t.title || t.tool}
                </option>
              ))}
            </select>
          </label>
        ))}
    </fieldset>
  );
}
