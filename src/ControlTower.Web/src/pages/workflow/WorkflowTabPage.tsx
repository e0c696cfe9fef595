import { nodeTypesApi } from "../../api/nodeTypes";
import type { Me } from "../../api/identity";
import { workflowsApi } from "../../api/workflows";
import { Link } from "../../router";
import { AsyncBlock, Badge, Empty, useAsync } from "../../ui";
import { VersionHistory } from "../editor/VersionHistory";
import { RunsList } from "../runs/RunsList";
import { SettingsTab } from "./SettingsTab";
import { isWorkflowTab, WorkflowTabs } from "./WorkflowTabs";

/** A workflow's Runs, Versions and Settings tabs (the Editor tab is the editor page itself). */
export default function WorkflowTabPage({ id, tab, me }: { id: string; tab: string; me: Me }) {
  const detail = useAsync(() => workflowsApi.get(id), [id]);
  if (!isWorkflowTab(tab) || tab === "editor") {
    return (
      <Empty
        title={`A workflow has no "${tab}" tab`}
        action={
          <Link to={`/workflows/${id}`} className="btn">
            Open the editor
          </Link>
        }
      />
    );
  }
  return (
    <AsyncBlock state={detail} label="Loading the workflow…">
      {(d) => (
        <>
          <div className="page-header">
            <div>
              <h1>
                {d.workflow.name} <span className="mono muted small">v{d.workflow.latestVersion}</span>{" "}
                {!d.workflow.enabled && <Badge status="disabled" />}
              </h1>
              {d.workflow.description && <p className="muted">{d.workflow.description}</p>}
            </div>
          </div>
          <div style={{ marginBottom: 16 }}>
            <WorkflowTabs id={id} current={tab} />
          </div>
          {tab === "runs" && <RunsList workflowId={id} />}
          {tab === "versions" && <VersionsTab id={id} latest={d.workflow.latestVersion} />}
          {tab === "settings" && <SettingsTab detail={d} me={me} onSaved={detail.setData} />}
        </>
      )}
    </AsyncBlock>
  );
}

function VersionsTab({ id, latest }: { id: string; latest: number }) {
  const types = useAsync(() => nodeTypesApi.list(), []);
  return (
    <div className="card card-pad" data-testid="versions-tab">
      <AsyncBlock state={types} label="Loading node types…">
        {(t) => <VersionHistory workflowId={id} latest={latest} types={new Map(t.map((n) => [n.type, n]))} />}
      </AsyncBlock>
    </div>
  );
}
