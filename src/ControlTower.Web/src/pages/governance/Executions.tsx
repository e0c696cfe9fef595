import { Fragment } from "react";
import { governanceApi } from "../../api/governance";
import { navigate } from "../../router";
import { Empty, ErrorBox, Loading, useAsync, when } from "../../ui";

import { Reversibility, ExecutionStatus, AuthorizedBy } from "./ExecutionParts";
import { LoadedExecution, ExecutionDetail } from "./ExecutionDetail";

export function ExecutionsTab({ canRollback, openId }: { canRollback: boolean; openId: string | null }) {
  const list = useAsync(() => governanceApi.executions(200), []);
  const open = (id: string) => navigate(openId === id ? "/governance?tab=executions" : `/governance?tab=executions&execution=${id}`, true);
  const listed = list.data?.some((e) => e.id === openId) ?? false;
  return (
    <div className="stack">
      <div className="row gov-section-head">
        <p className="muted small">
          Governed actions that ran, newest first. Open one to see what it changed; roll it back while its undo window is open.
        </p>
        <button className="btn" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading label="Loading executions…" />}
      {openId && list.data && !listed && <LoadedExecution id={openId} canRollback={canRollback} onChanged={list.reload} />}
      {list.data && list.data.length === 0 && (
        <Empty title="No governed action has run yet">
          Add a <code>governed.action</code> node to a workflow: it proposes a tool call, governance judges it (kill switch, rules, gate),
          and once it runs it is listed here with its before/after diff.
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="executions-table">
            <thead>
              <tr>
                <th>Status</th>
                <th>Action</th>
                <th>Server / tool</th>
                <th>Authorized by</th>
                <th>Executed</th>
                <th>Reversible</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((e) => (
                <Fragment key={e.id}>
                  <tr
                    className="gov-clickable"
                    data-testid="execution-row"
                    data-execution={e.id}
                    tabIndex={0}
                    aria-expanded={openId === e.id}
                    onClick={() => open(e.id)}
                    onKeyDown={(k) => {
                      if (k.key === "Enter" || k.key === " ") {
                        k.preventDefault();
                        open(e.id);
                      }
                    }}
                  >
                    <td>
                      <ExecutionStatus status={e.status} />
                    </td>
                    <td>
                      <strong>{e.actionType}</strong>
                      <div className="muted small">
                        run <span className="mono">{e.runId.slice(0, 8)}</span> · node <code>{e.nodeId}</code>
                      </div>
                    </td>
                    <td className="mono small">
                      {e.server}/{e.tool}
                    </td>
                    <td>
                      <AuthorizedBy e={e} />
                    </td>
                    <td className="muted" title={new Date(e.createdAt).toLocaleString()}>
                      {when(e.createdAt)}
                    </td>
                    <td>
                      <Reversibility e={e} />
                    </td>
                  </tr>
                  {openId === e.id && (
                    <tr className="gov-detail-row">
                      <td colSpan={6}>
                        <ExecutionDetail e={e} canRollback={canRollback} onChanged={list.reload} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
