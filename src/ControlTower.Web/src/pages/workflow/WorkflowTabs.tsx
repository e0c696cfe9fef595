import { Link } from "../../router";

export type WorkflowTab = "editor" | "runs" | "versions" | "settings";
const tabs: { tab: WorkflowTab; label: string; suffix: string }[] = [
  { tab: "editor", label: "Editor", suffix: "" },
  { tab: "runs", label: "Runs", suffix: "/runs" },
  { tab: "versions", label: "Versions", suffix: "/versions" },
  { tab: "settings", label: "Settings", suffix: "/settings" },
];

export const isWorkflowTab = (tab: string): tab is WorkflowTab => tabs.some((t) => t.tab === tab);

/** The tabs of one workflow, each a route under /workflows/:id. */
export function WorkflowTabs({ id, current }: { id: string; current: WorkflowTab }) {
  return (
    <nav className="wf-tabs" aria-label="Workflow" data-testid="workflow-tabs">
      {tabs.map((t) => (
        <Link key={t.tab} to={`/workflows/${id}${t.suffix}`} aria-current={t.tab === current ? "page" : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
