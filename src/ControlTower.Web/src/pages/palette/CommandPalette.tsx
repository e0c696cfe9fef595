import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { workflowsApi, type WorkflowSummary } from "../../api/workflows";
import { runsApi } from "../../api/runs";
import { navigate } from "../../router";
import { ErrorBox } from "../../ui";
import { rankCommands, usePageCommands, type Command } from "./commands";

/**
 * Ctrl+K: type to filter, ↑/↓ to choose, Enter to run, Esc to close. Offers the page's own commands (in the editor:
 * add a node, run, save), every page, and each workflow (open it, or start a run with an empty input).
 */
export default function CommandPalette({ pages, onClose }: { pages: { to: string; label: string }[]; onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const pageCommands = usePageCommands();
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    workflowsApi.list().then(setWorkflows, setError);
  }, []);

  const commands = useMemo<Command[]>(
    () => [
      ...pageCommands,
      ...pages.map((p) => ({ id: `page:${p.to}`, group: "Go to page", label: p.label, run: () => navigate(p.to) })),
      ...workflows.map((w) => ({
        id: `open:${w.id}`,
        group: "Go to workflow",
        label: w.name,
        hint: w.description ?? undefined,
        run: () => navigate(`/workflows/${w.id}`),
      })),
      ...workflows.map((w) => ({
        id: `runs:${w.id}`,
        group: "Workflow runs",
        label: `Runs of ${w.name}`,
        run: () => navigate(`/workflows/${w.id}/runs`),
      })),
      ...workflows.map((w) => ({
        id: `run:${w.id}`,
        group: "Run",
        label: `Run ${w.name}`,
        hint: "start with an empty input",
        run: async () => navigate(`/runs/${(await runsApi.start(w.id, { input: {} })).id}`),
      })),
    ],
    [pageCommands, pages, workflows],
  );
  const shown = useMemo(() => rankCommands(commands, query), [commands, query]);
  const current = Math.min(active, Math.max(0, shown.length - 1));

  useEffect(() => {
    listRef.current?.querySelector(`[data-index="${current}"]`)?.scrollIntoView({ block: "nearest" });
  }, [current]);

  const choose = async (c: Command | undefined) => {
    if (!c) return;
    try {
      await c.run();
      onClose();
    } catch (e) {
      setError(e);
    }
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((current + 1) % Math.max(1, shown.length));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((current - 1 + shown.length) % Math.max(1, shown.length));
    } else if (e.key === "Enter") {
      e.preventDefault();
      void choose(shown[current]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal palette" role="dialog" aria-modal="true" aria-label="Command palette" data-testid="command-palette">
        <input
          autoFocus
          className="palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-autocomplete="list"
          aria-activedescendant={shown[current] ? `palette-${current}` : undefined}
          placeholder="Go to a page or workflow, add a node, run…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKey}
          aria-label="Command"
        />
        {error != null && <ErrorBox error={error} />}
        <ul id="palette-list" role="listbox" className="palette-list" ref={listRef} aria-label="Commands">
          {shown.map((c, i) => (
            <li
              key={c.id}
              id={`palette-${i}`}
              data-index={i}
              role="option"
              aria-selected={i === current}
              className={i === current ? "active" : ""}
              onMouseMove={() => i !== current && setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                void choose(c);
              }}
            >
              <span className="muted small palette-group">{c.group}</span> {c.label}
              {c.hint && <span className="muted small"> · {c.hint}</span>}
            </li>
          ))}
          {shown.length === 0 && (
            <li className="muted" role="presentation">
              Nothing matches “{query}”.
            </li>
          )}
        </ul>
        <div className="muted small palette-help">↑↓ choose · Enter run · Esc close</div>
      </div>
    </div>
  );
}
