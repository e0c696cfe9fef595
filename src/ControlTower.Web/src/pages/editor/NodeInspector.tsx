import type { ReactNode } from "react";
import type { JsonSchema, NodeType } from "../../api/nodeTypes";
import type { McpTool } from "../../api/mcp";
import type { CtNode } from "../../flow";
import { problemsAboveForm } from "../../formText";
import { SchemaForm } from "../../schemaForm";
import { ApproverPicker, approversAt, approversPath, withApproversAt, withoutApprovers } from "./ApproverPicker";

/** The selected node's settings: id, label, and its config as a form (an MCP tool's own arguments for `mcp.tool`). */
export function NodeInspector({
  node,
  tools,
  problems,
  onChange,
  onDelete,
  onDuplicate,
  readOnly,
  testData,
}: {
  node: CtNode;
  tools: McpTool[] | null;
  problems: { pointer: string; text: string }[];
  onChange: (p: Partial<CtNode["data"]["graphNode"]>) => void;
  onDelete: () => void;
  onDuplicate: () => void;
  readOnly: boolean;
  testData: ReactNode;
}) {
  const { graphNode, nodeType } = node.data;
  const pickerPath = approversPath(graphNode.type);
  const listed = problemsAboveForm(problems, graphNode.type === "mcp.tool" ? undefined : nodeType?.configSchema);
  return (
    <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }} data-testid="inspector">
      <div className="row" style={{ justifyContent: "space-between", marginBottom: 8 }}>
        <h3 style={{ margin: 0 }}>{nodeType?.displayName ?? graphNode.type}</h3>
        <span className="row">
          <button className="btn sm" onClick={onDuplicate} title="Duplicate (Ctrl+D)" data-testid="duplicate-node">
            Duplicate
          </button>
          <button className="btn danger sm" onClick={onDelete}>
            Delete
          </button>
        </span>
      </div>
      <p className="muted small" style={{ marginBottom: 12 }}>
        {nodeType?.description ?? "Unknown node type."}
      </p>
      {listed.length > 0 && (
        <ul className="problems" aria-label="Node problems">
          {listed.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <label className="field">
        Id{" "}
        <span className="hint">
          Used in expressions as <code>nodes.{graphNode.id}</code>.
        </span>
        <input value={graphNode.id} readOnly className="mono" />
      </label>
      <label className="field">
        Label
        <input value={graphNode.name ?? ""} onChange={(e) => onChange({ name: e.target.value || undefined })} placeholder={graphNode.id} />
      </label>
      {nodeType && graphNode.type === "mcp.tool" ? (
        <McpToolSettings
          key={graphNode.id}
          nodeType={nodeType}
          config={graphNode.config ?? {}}
          tools={tools}
          onChange={(config) => onChange({ config })}
        />
      ) : nodeType && pickerPath ? (
        <>
          <ApproverPicker
            key={`${graphNode.id}:approvers`}
            value={approversAt(graphNode.config ?? {}, pickerPath)}
            legend={pickerPath.length ? "Who decides when it asks a person" : "Who decides"}
            onChange={(approvers) => onChange({ config: withApproversAt(graphNode.config ?? {}, pickerPath, approvers) })}
          />
          <SchemaForm
            key={graphNode.id}
            schema={withoutApprovers(nodeType.configSchema, pickerPath)}
            value={graphNode.config ?? {}}
            onChange={(config) => onChange({ config })}
          />
        </>
      ) : (
        nodeType && (
          <SchemaForm
            key={graphNode.id}
            schema={nodeType.configSchema}
            value={graphNode.config ?? {}}
            onChange={(config) => onChange({ config })}
          />
        )
      )}
      {!nodeType?.type.startsWith("trigger.") && testData}
    </fieldset>
  );
}

/**
 * An MCP tool node's settings: the tool's own arguments as a form generated from its input schema (text
 * arguments are CEL templates), instead of a free-form map. A tool missing from the catalog (server
 * disabled or unreachable) falls back to the generic form so its saved arguments stay editable.
 */
function McpToolSettings({
  nodeType,
  config,
  tools,
  onChange,
}: {
  nodeType: NodeType;
  config: Record<string, unknown>;
  tools: McpTool[] | null;
  onChange: (c: Record<string, unknown>) => void;
}) {
  const tool = tools?.find((t) => t.server === config.server && t.tool === config.tool);
  const args = (config.arguments && typeof config.arguments === "object" ? config.arguments : {}) as Record<string, unknown>;
  const credentialSchema: JsonSchema = {
    type: "object",
    properties: {
      credentialId: {
        type: "string",
        title: "Credential",
        description: "Optional: the credential to call the server with; by default the caller's own.",
      },
    },
  };
  if (!tool) {
    return (
      <>
        <div className="notice">
          The tool{" "}
          <code>
            {String(config.server)}/{String(config.tool)}
          </code>{" "}
          is not in the MCP catalog right now (its server is disabled, unreachable or gone).
        </div>
        <SchemaForm schema={nodeType.configSchema} value={config} onChange={onChange} />
      </>
    );
  }
  return (
    <div data-testid="tool-arguments">
      <p className="small">
        <span className="muted">Calls</span> <code>{tool.name}</code>
      </p>
      {tool.description && (
        <p className="muted small" style={{ marginBottom: 12 }}>
          {tool.description}
        </p>
      )}
      <h4 className="inspector-section">Arguments</h4>
      <SchemaForm
        schema={argumentsSchema(tool.inputSchema ?? {}, args)}
        value={args}
        empty="This tool takes no arguments."
        onChange={(next) => onChange({ ...config, arguments: next })}
      />
      <SchemaForm schema={credentialSchema} value={config} onChange={onChange} />
    </div>
  );
}

/** The tool's input schema as form fields: text arguments become CEL templates, and so does any value already saved as one. */
function argumentsSchema(input: JsonSchema, values: Record<string, unknown>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, s] of Object.entries(input.properties ?? {})) {
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    const template = (type === "string" && !s.enum) || (type !== "string" && typeof values[name] === "string");
    properties[name] = template ? { ...s, type: "string", enum: undefined, "x-cel": "template" } : s;
  }
  return { type: "object", properties, required: input.required };
}
