import { MiniMap, Panel, useStore } from "@xyflow/react";
import { Modal, when } from "../../ui";
import type { CanvasCommands } from "./useCanvasCommands";

/** Undo, redo, arrange and fit over the canvas (top left), each with its shortcut in the tooltip. */
export function CanvasToolbar({ c, canWrite, onHelp }: { c: CanvasCommands; canWrite: boolean; onHelp: () => void }) {
  return (
    <Panel position="top-left" className="canvas-tools" aria-label="Canvas tools">
      <button className="btn sm" onClick={c.undo} disabled={!canWrite || !c.canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
        ↶ Undo
      </button>
      <button className="btn sm" onClick={c.redo} disabled={!canWrite || !c.canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
        ↷ Redo
      </button>
      <button
        className="btn sm"
        onClick={c.autoArrange}
        disabled={!canWrite}
        title="Arrange left to right (Shift+A)"
        data-testid="auto-arrange"
      >
        Arrange
      </button>
      <button className="btn sm" onClick={c.fit} title="Fit to view (F)" data-testid="fit-view">
        Fit
      </button>
      <button className="btn sm" onClick={onHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
        ?
      </button>
    </Panel>
  );
}

/** The selection's actions, in the settings panel, when more than one node is selected. */
export function SelectionActions({ count, c, canWrite }: { count: number; c: CanvasCommands; canWrite: boolean }) {
  return (
    <div data-testid="multi-selection">
      <h3>{count} nodes selected</h3>
      <p className="muted small" style={{ marginBottom: 12 }}>
        Copy them (Ctrl+C) to paste here or into another workflow (Ctrl+V); the edges between them come along.
      </p>
      <div className="row">
        <button className="btn sm" onClick={() => void c.copy()}>
          Copy
        </button>
        <button className="btn sm" onClick={c.duplicate} disabled={!canWrite}>
          Duplicate
        </button>
        <button className="btn danger sm" onClick={c.removeSelected} disabled={!canWrite}>
          Delete
        </button>
      </div>
    </div>
  );
}

const shortcuts: [string, string][] = [
  ["Ctrl+Z", "Undo"],
  ["Ctrl+Shift+Z or Ctrl+Y", "Redo"],
  ["Ctrl+C / Ctrl+V", "Copy / paste the selected nodes with their edges"],
  ["Ctrl+D", "Duplicate the selection"],
  ["Delete or Backspace", "Delete the selection"],
  ["Ctrl+click, Shift+drag", "Select several nodes"],
  ["Shift+A", "Arrange left to right"],
  ["F", "Fit to view"],
  ["Ctrl+S", "Save a version"],
  ["?", "This list"],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <table className="table" data-testid="shortcuts">
        <tbody>
          {shortcuts.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

export function DraftNotice({ savedAt, onDiscard }: { savedAt: string; onDiscard: () => void }) {
  return (
    <div className="notice draft-notice" role="status" data-testid="draft-restored">
      Restored your unsaved changes from {when(savedAt)} (kept in this browser).
      <button className="btn sm" onClick={onDiscard} data-testid="draft-discard">
        Discard them
      </button>
    </div>
  );
}

/** The minimap, only while part of the graph lies outside the view: a graph that fits needs no map over its nodes. */
export function AutoMiniMap() {
  const overflows = useStore((s) => {
    const [x, y, zoom] = s.transform;
    for (const n of s.nodeLookup.values()) {
      const p = n.internals.positionAbsolute;
      const left = p.x * zoom + x;
      const top = p.y * zoom + y;
      const right = left + (n.measured.width ?? 0) * zoom;
      const bottom = top + (n.measured.height ?? 0) * zoom;
      if (left < 0 || top < 0 || right > s.width || bottom > s.height) return true;
    }
    return false;
  });
  return overflows ? <MiniMap pannable zoomable ariaLabel="Minimap" nodeStrokeWidth={3} /> : null;
}
