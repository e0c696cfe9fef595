import type { McpCatalogProblem } from "../../api/mcp";
import { dragMime, type PaletteEntry, type PaletteGroup } from "./palette";

/** The node palette: drag an entry onto the canvas, or focus it and press Enter to add it at the centre. */
export function NodePalette({
  groups,
  toolsListed,
  toolProblems,
  onAdd,
}: {
  groups: PaletteGroup[];
  toolsListed: boolean;
  toolProblems: McpCatalogProblem[];
  onAdd: (entry: PaletteEntry) => void;
}) {
  return (
    <aside className="palette" aria-label="Node palette">
      <p className="muted small">Drag onto the canvas, or focus and press Enter.</p>
      {groups.map((group) => (
        <div key={group.title}>
          <h4>{group.title}</h4>
          {group.entries.map((entry) => (
            <button
              key={entry.key}
              className="palette-item"
              draggable
              data-testid={`palette-${entry.key}`}
              title={entry.hint}
              onDragStart={(e) => {
                e.dataTransfer.setData(dragMime, entry.key);
                e.dataTransfer.effectAllowed = "move";
              }}
              onClick={() => onAdd(entry)}
            >
              {entry.label}
              <small>{entry.hint}</small>
            </button>
          ))}
        </div>
      ))}
      {!toolsListed && (
        <p className="muted small" style={{ marginTop: 12 }}>
          MCP tools appear here once MCP servers are registered on this server.
        </p>
      )}
      {toolProblems.map((p) => (
        <p key={p.serverId} className="field-error small" style={{ marginTop: 12 }} data-testid="palette-problem">
          MCP · {p.serverId}: its tools could not be listed ({p.code}). {p.message}
        </p>
      ))}
    </aside>
  );
}
