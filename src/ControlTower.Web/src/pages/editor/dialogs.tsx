import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { NodeType } from "../../api/nodeTypes";
import type { PlanDraft } from "../../api/planner";
import {
  workflowsApi,
  type GraphChange,
  type VersionInfo,
  type WorkflowDetail,
  type WorkflowSummary,
  type Graph,
  type WorkflowShares,
} from "../../api/workflows";
import { runsApi } from "../../api/runs";
import { navigate } from "../../router";
import { Badge, DiffValues, ErrorBox, Loading, Modal, when, useSubmit } from "../../ui";
import { VersionDiffCanvas } from "../../versionDiff";
import { DescribeBox, DraftNotes } from "../../describe";

export function SaveDialog({
  workflowId,
  graph,
  baseVersion,
  problems,
  onClose,
  onSaved,
}: {
  workflowId: string;
  graph: Graph;
  baseVersion: number;
  problems: number;
  onClose: () => void;
  onSaved: (d: WorkflowDetail) => void;
}) {
  const [message, setMessage] = useState("");
  const { busy, error, submit } = useSubmit(async () =>
    onSaved(await workflowsApi.saveVersion(workflowId, { graph, message: message.trim() || null, baseVersion })),
  );
  return (
    <Modal title="Save a new version" onClose={onClose}>
      <form onSubmit={submit}>
        {problems > 0 && (
          <div className="notice">The workflow has {problems} validation problem(s); the server refuses an invalid graph.</div>
        )}
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          What changed?
          <input
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            placeholder="e.g. Notify on failure"
            data-testid="save-message"
          />
        </label>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="save-confirm">
            Save as v{baseVersion + 1}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Who else may edit or run the workflow: users (by id) or roles, as editor or runner. Each change replaces the set. */
export function ShareDialog({ workflowId, onClose }: { workflowId: string; onClose: () => void }) {
  const [shares, setShares] = useState<WorkflowShares | null>(null);
  const [kind, setKind] = useState<"role" | "user">("role");
  const [grantee, setGrantee] = useState("operator");
  const [access, setAccess] = useState<"editor" | "runner">("runner");
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    workflowsApi.shares(workflowId).then(setShares, setLoadError);
  }, [workflowId]);
  const put = async (next: { userId?: string; role?: string; access: string }[]) =>
    setShares(await workflowsApi.setShares(workflowId, next));
  const current = (shares?.shares ?? []).map((s) =>
    s.userId ? { userId: s.userId, access: s.access } : { role: s.role!, access: s.access },
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The dialog stays open for several changes, so each one settles busy and error itself.
  const change = async (next: { userId?: string; role?: string; access: string }[]) => {
    setBusy(true);
    setError(null);
    try {
      await put(next);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if ((await change([...current, kind === "role" ? { role: grantee, access } : { userId: grantee.trim(), access }])) && kind === "user")
      setGrantee("");
  };
  const remove = (index: number) => {
    void change(current.filter((_, i) => i !== index));
  };
  return (
    <Modal title="Share this workflow" onClose={onClose}>
      {loadError != null && <ErrorBox error={loadError} />}
      {error != null && <ErrorBox error={error} />}
      {!shares ? (
        <Loading label="Loading shares…" />
      ) : (
        <>
          <p className="muted small">
            Owner <span className="mono">{shares.ownerId.slice(0, 8)}</span>. Editors save versions, switch it and share it; runners start
            runs.
          </p>
          <ul className="gov-checks" data-testid="share-list">
            {shares.shares.length === 0 && <li className="muted small">Not shared with anyone.</li>}
            {shares.shares.map((s, i) => (
              <li key={s.id} className="row">
                <span>
                  {s.role ? (
                    <>
                      everyone with role <strong>{s.role}</strong>
                    </>
                  ) : (
                    <span className="mono">{s.userId}</span>
                  )}
                </span>
                <Badge status={s.access === "editor" ? "running" : "completed"}>{s.access}</Badge>
                <button className="btn ghost sm" onClick={() => remove(i)} disabled={busy} aria-label={`Remove share ${i + 1}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <form onSubmit={submit} className="row">
            <select
              aria-label="Share with"
              value={kind}
              onChange={(e) => {
                const k = e.target.value as "role" | "user";
                setKind(k);
                setGrantee(k === "role" ? "operator" : "");
              }}
            >
              <option value="role">a role</option>
              <option value="user">a user (id)</option>
            </select>
            {kind === "role" ? (
              <select aria-label="Role" value={grantee} onChange={(e) => setGrantee(e.target.value)}>
                {["admin", "approver", "operator", "viewer", "service"].map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            ) : (
              <input aria-label="User id" value={grantee} onChange={(e) => setGrantee(e.target.value)} placeholder="user id" required />
            )}
            <select aria-label="Access" value={access} onChange={(e) => setAccess(e.target.value as "editor" | "runner")}>
              <option value="runner">runner</option>
              <option value="editor">editor</option>
            </select>
            <button type="submit" className="btn primary sm" disabled={busy} data-testid="share-add">
              Add
            </button>
          </form>
        </>
      )}
    </Modal>
  );
}

export function HistoryDialog({
  workflowId,
  latest,
  types,
  onClose,
}: {
  workflowId: string;
  latest: number;
  types: Map<string, NodeType>;
  onClose: () => void;
}) {
  return (
    <Modal title="Version history" onClose={onClose} wide>
      <VersionHistory workflowId={workflowId} latest={latest} types={types} />
    </Modal>
  );
}

/** The versions of a workflow and the changes between two of them (the editor's History dialog and the Versions tab). */
export function VersionHistory({ workflowId, latest, types }: { workflowId: string; latest: number; types: Map<string, NodeType> }) {
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [from, setFrom] = useState(Math.max(1, latest - 1));
  const [to, setTo] = useState(latest);
  const [compared, setCompared] = useState<{ changes: GraphChange[]; from: Graph; to: Graph } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    workflowsApi.versions(workflowId).then(setVersions, setError);
  }, [workflowId]);
  useEffect(() => {
    let live = true;
    setCompared(null);
    const graphOf = (v: number) => workflowsApi.version(workflowId, v).then((d) => d.graph);
    Promise.all([
      from === to ? Promise.resolve({ changes: [] as GraphChange[] }) : workflowsApi.diff(workflowId, from, to),
      graphOf(from),
      from === to ? null : graphOf(to),
    ]).then(
      ([d, before, after]) => {
        if (live) setCompared({ changes: d.changes, from: before, to: after ?? before });
      },
      (e) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [workflowId, from, to]);
  const diff = compared?.changes ?? null;
  return (
    <>
      {error != null && <ErrorBox error={error} />}
      {!versions ? (
        <Loading />
      ) : (
        <>
          <div className="table-wrap" style={{ maxHeight: 200, marginBottom: 16 }}>
            <table className="table">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Author</th>
                  <th>Message</th>
                  <th>When</th>
                  <th>Compare</th>
                </tr>
              </thead>
              <tbody>
                {[...versions]
                  .sort((a, b) => b.version - a.version)
                  .map((v) => (
                    <tr key={v.version}>
                      <td className="mono">v{v.version}</td>
                      <td>{v.author}</td>
                      <td>{v.message ?? <span className="muted">—</span>}</td>
                      <td className="muted">{when(v.createdAt)}</td>
                      <td className="row">
                        <button className="btn sm" aria-pressed={from === v.version} onClick={() => setFrom(v.version)}>
                          {from === v.version ? "● from" : "from"}
                        </button>
                        <button className="btn sm" aria-pressed={to === v.version} onClick={() => setTo(v.version)}>
                          {to === v.version ? "● to" : "to"}
                        </button>
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          <h3 style={{ marginBottom: 8 }}>
            Changes v{from} → v{to}
          </h3>
          {!compared ? <Loading /> : <VersionDiffCanvas from={compared.from} to={compared.to} changes={compared.changes} types={types} />}
          {diff &&
            (diff.length === 0 ? (
              <p className="muted">No differences.</p>
            ) : (
              <div data-testid="diff">
                {diff.map((c, i) => (
                  <div className="diff-item" key={i}>
                    <div>
                      <Badge status={c.kind.endsWith("removed") ? "failed" : c.kind.endsWith("added") ? "completed" : "waiting"}>
                        {c.kind.replace(/_/g, " ")}
                      </Badge>
                    </div>
                    <div>
                      <div className="mono small">
                        {c.subject}
                        {c.pointer}
                      </div>
                      <DiffValues before={c.before} after={c.after} />
                    </div>
                  </div>
                ))}
              </div>
            ))}
        </>
      )}
    </>
  );
}

export function RunDialog({
  workflow,
  dirty,
  pins = {},
  onClose,
}: {
  workflow: WorkflowSummary;
  dirty: boolean;
  pins?: Record<string, unknown>;
  onClose: () => void;
}) {
  const [input, setInput] = useState("{\n  \n}");
  const pinCount = Object.keys(pins).length;
  const [usePins, setUsePins] = useState(pinCount > 0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => crypto.randomUUID(), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = input.trim() ? JSON.parse(input) : null;
    } catch (err) {
      setError(new Error(`The input is not JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const run = await runsApi.start(workflow.id, { input: parsed, ...(usePins && pinCount > 0 ? { pins } : {}) }, key);
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Run ${workflow.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        {dirty && <div className="notice">The canvas has unsaved changes: the run uses the saved version v{workflow.latestVersion}.</div>}
        {!workflow.enabled && <div className="notice">This workflow is disabled; enable it to run it.</div>}
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          Input (JSON)
          <textarea value={input} onChange={(e) => setInput(e.target.value)} rows={6} data-testid="run-input" />
        </label>
        {pinCount > 0 && (
          <label className="row small" style={{ marginBottom: 12 }}>
            <input type="checkbox" checked={usePins} onChange={(e) => setUsePins(e.target.checked)} data-testid="run-use-pins" />A test run
            with the pinned data of {pinCount} node{pinCount === 1 ? "" : "s"} (they answer with their pin instead of running)
          </label>
        )}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="run-confirm">
            Start run
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * A change in words to the saved version: the planner's draft shown as the version history's visual diff against that
 * version, to accept (onto the canvas, as an unsaved draft) or discard.
 */
export function RefineDialog({
  workflowId,
  version,
  saved,
  dirty,
  types,
  onClose,
  onAccept,
}: {
  workflowId: string;
  version: number;
  saved: Graph;
  dirty: boolean;
  types: Map<string, NodeType>;
  onClose: () => void;
  onAccept: (d: PlanDraft, prompt: string) => void;
}) {
  const [proposal, setProposal] = useState<{ draft: PlanDraft; prompt: string } | null>(null);
  const draft = proposal?.draft;
  return (
    <Modal title={draft?.graph ? `Proposed change to v${version} (draft)` : "Describe a change"} onClose={onClose} wide>
      {dirty && (
        <div className="notice">
          The change is drafted from the saved version v{version}; accepting it replaces the unsaved edits on the canvas.
        </div>
      )}
      <DescribeBox
        workflowId={workflowId}
        baseVersion={version}
        placeholder="e.g. add a 2-hour wait before the reply"
        onDraft={(d, prompt) => setProposal({ draft: d, prompt })}
      />
      {draft && (
        <div data-testid="refine-proposal">
          {draft.graph && <VersionDiffCanvas from={saved} to={draft.graph} changes={draft.changes ?? []} types={types} />}
          <DraftNotes draft={draft} />
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button className="btn" onClick={onClose} data-testid="refine-discard">
              Discard
            </button>
            <button
              className="btn primary"
              disabled={!draft.graph}
              onClick={() => onAccept(draft, proposal.prompt)}
              data-testid="refine-accept"
            >
              Accept onto the canvas
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
