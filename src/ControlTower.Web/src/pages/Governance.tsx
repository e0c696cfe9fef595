import { useCallback, useState } from "react";
import type { Me } from "../api/identity";
import { navigate, useLocation } from "../router";
import { PageHeader } from "../ui";
import { DryRunTab } from "./governance/DryRun";
import { ExecutionsTab } from "./governance/Executions";
import { GatesTab } from "./governance/GatesTab";
import { KillSwitchCard } from "./governance/KillSwitchCard";
import { NodeTypesTab } from "./governance/NodeTypesTab";

// The Governance page: its tabs live in ./governance, one file each.
type Tab = "gates" | "node-types" | "executions" | "dry-run";
const tabs: { id: Tab; label: string }[] = [
  { id: "gates", label: "Gates" },
  { id: "node-types", label: "Node types" },
  { id: "executions", label: "Executions" },
  { id: "dry-run", label: "Dry run" },
];

export function GovernancePage({ me }: { me: Me }) {
  const { query } = useLocation();
  const tab = (tabs.find((t) => t.id === query.get("tab"))?.id ?? "gates") as Tab;
  const admin = me.role === "admin";
  const operator = admin || me.role === "operator";
  // Bumped by every gate or kill-switch change so the history shows it.
  const [changes, setChanges] = useState(0);
  const changed = useCallback(() => setChanges((c) => c + 1), []);
  return (
    <>
      <PageHeader
        title="Governance"
        subtitle="What automation may do on its own: gates per scope, one kill switch for everything, and every governed action with its undo window."
      />
      <KillSwitchCard admin={admin} onChanged={changed} />
      <div className="tabs" role="tablist" aria-label="Governance sections">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            aria-selected={tab === t.id}
            data-testid={`tab-${t.id}`}
            onClick={() => navigate(t.id === "gates" ? "/governance" : `/governance?tab=${t.id}`, true)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tab === "gates" && <GatesTab admin={admin} changes={changes} onChanged={changed} />}
      {tab === "node-types" && <NodeTypesTab admin={admin} />}
      {tab === "executions" && <ExecutionsTab canRollback={operator} openId={query.get("execution")} />}
      {tab === "dry-run" && <DryRunTab canRun={operator} />}
    </>
  );
}
