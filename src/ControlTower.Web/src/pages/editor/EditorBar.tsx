import { useRef } from "react";
import type { VersionInfo, WorkflowSummary } from "../../api/workflows";
import { Link } from "../../router";
import { Badge } from "../../ui";
import { WorkflowTabs } from "../workflow/WorkflowTabs";
import { MoreMenu, useFolding, type MenuAction } from "./MoreMenu";
import type { PanelName } from "./panels";

export type EditorDialog = "save" | "history" | "run" | "describe" | "share" | "shortcuts" | "releases";

interface EditorBarProps {
  workflow: WorkflowSummary;
  version: VersionInfo;
  dirty: boolean;
  drafted: string | null;
  problemCount: number;
  panels: Record<PanelName, boolean>;
  onTogglePanel: (p: PanelName) => void;
  canWrite: boolean;
  canRun: boolean;
  canShare: boolean;
  onToggleEnabled: () => void;
  onImport: (file: File) => void;
  onExport: () => void;
  onOpen: (d: EditorDialog) => void;
}

/** The editor's top bar: the workflow, its state, the panels, and the actions on it; one row at any width from 1024 px. */
export function EditorBar(p: EditorBarProps) {
  const { workflow, version, dirty, drafted, problemCount, canWrite, canRun, onOpen } = p;
  const importRef = useRef<HTMLInputElement>(null);
  // In the order they give way: the last folds into "More" first, the panel toggles last of all.
  const secondary: MenuAction[] = [
    {
      label: "Palette",
      onSelect: () => p.onTogglePanel("palette"),
      pressed: p.panels.palette,
      testId: "toggle-palette",
      title: "Show or hide the node palette",
    },
    {
      label: "Settings",
      onSelect: () => p.onTogglePanel("inspector"),
      pressed: p.panels.inspector,
      testId: "toggle-inspector",
      title: "Show or hide the settings panel",
    },
    { label: "History", onSelect: () => onOpen("history"), testId: "history-button" },
    { label: "Releases", onSelect: () => onOpen("releases"), testId: "releases-button" },
    ...(p.canShare ? [{ label: "Share", onSelect: () => onOpen("share"), testId: "share-button" }] : []),
    { label: "Describe a change", onSelect: () => onOpen("describe"), disabled: !canWrite, testId: "describe-change" },
    { label: "Export", onSelect: p.onExport, testId: "export-button" },
    { label: "Import", onSelect: () => importRef.current?.click(), disabled: !canWrite, testId: "import-button" },
  ];
  const bar = useRef<HTMLDivElement>(null);
  // What does not fit on one row folds into a "More" menu.
  const inline = useFolding(bar, secondary.length, [workflow.name, dirty, drafted, problemCount, p.panels.palette, p.panels.inspector]);

  return (
    <div className="editor-bar" ref={bar} data-testid="editor-bar">
      <Link to="/workflows" className="btn ghost sm" aria-label="Back to workflows">
        ←
      </Link>
      <h1 title={workflow.name}>{workflow.name}</h1>
      <span className="mono muted small" data-testid="version-label">
        v{version.version}
      </span>
      <WorkflowTabs id={workflow.id} current="editor" />
      {dirty ? <Badge status="waiting">unsaved changes</Badge> : <Badge status="completed">saved</Badge>}
      {drafted && dirty && (
        <span data-testid="draft-badge" title={drafted}>
          <Badge status="waiting">draft</Badge>
        </span>
      )}
      <button
        className="switch"
        role="switch"
        aria-checked={workflow.enabled}
        aria-label={workflow.enabled ? "Disable workflow" : "Enable workflow"}
        onClick={p.onToggleEnabled}
        disabled={!canWrite}
        title={workflow.enabled ? "Enabled" : "Disabled"}
      />
      {problemCount > 0 && (
        <span data-testid="problem-count">
          <Badge status="failed">
            {problemCount} problem{problemCount === 1 ? "" : "s"}
          </Badge>
        </span>
      )}
      <div className="editor-bar-gap" />
      <input
        ref={importRef}
        type="file"
        accept=".json,application/json"
        hidden
        onChange={(e) => {
          if (e.target.files?.[0]) p.onImport(e.target.files[0]);
          e.target.value = "";
        }}
      />
      {secondary.slice(0, inline).map((a) => (
        <button
          key={a.label}
          className="btn sm"
          onClick={a.onSelect}
          disabled={a.disabled}
          aria-pressed={a.pressed}
          title={a.title}
          data-testid={a.testId}
        >
          {a.label}
        </button>
      ))}
      {inline < secondary.length && <MoreMenu actions={secondary.slice(inline)} />}
      <button className="btn sm" onClick={() => onOpen("run")} disabled={!canRun} data-testid="run-button">
        ▶ Run
      </button>
      <button
        className="btn primary sm"
        onClick={() => onOpen("save")}
        disabled={!canWrite || !dirty}
        data-testid="save-button"
        title="Save (Ctrl+S)"
      >
        Save version
      </button>
    </div>
  );
}
