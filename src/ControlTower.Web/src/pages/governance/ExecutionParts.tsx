import { useEffect, useState } from "react";
import { cached } from "../../api";
import { approvalsApi, type Approval } from "../../api/approvals";
import type { Execution } from "../../api/governance";
import { Badge, when } from "../../ui";
import { parseScope } from "./scope";

/** True once `iso` has passed; re-renders exactly once, when it passes. */
export function usePassed(iso: string | null): boolean {
  const at = iso ? new Date(iso).getTime() : null;
  const [passed, setPassed] = useState(() => at !== null && at <= Date.now());
  useEffect(() => {
    if (at === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // setTimeout waits at most 2^31-1 ms (about 24 days): a longer window re-arms until it has really passed.
    const arm = () => {
      const left = at - Date.now();
      setPassed(left <= 0);
      if (left > 0) timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
    };
    arm();
    return () => clearTimeout(timer);
  }, [at]);
  return passed;
}

export function left(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s >= 86400) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${s} s`;
}

/** A live "time left" that ticks every second (only this element re-renders). */
export function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const ms = new Date(until).getTime() - now;
  return ms > 0 ? (
    <span className="gov-countdown" title={`Reversible until ${new Date(until).toLocaleString()}`} data-testid="countdown">
      ⟲ {left(ms)} left
    </span>
  ) : (
    <span className="muted small">window closed</span>
  );
}

export function Reversibility({ e }: { e: Execution }) {
  const closed = usePassed(e.reversibleUntil);
  if (e.status === "rolled_back")
    return (
      <span className="small">
        <Badge status="cancelled">rolled back</Badge> <span className="muted">{when(e.rolledBackAt)}</span>
      </span>
    );
  if (e.status === "rolling_back") return <Badge status="running">rolling back…</Badge>;
  if (!e.compensationTool || !e.reversibleUntil) return <span className="muted small">not reversible</span>;
  if (closed)
    return (
      <span className="muted small" title={`Was reversible until ${new Date(e.reversibleUntil).toLocaleString()}`}>
        window closed
      </span>
    );
  return <Countdown until={e.reversibleUntil} />;
}

export function ExecutionStatus({ status }: { status: string }) {
  const tone: Record<string, string> = { executed: "succeeded", rolling_back: "running", rolled_back: "cancelled" };
  return <Badge status={tone[status] ?? status}>{status.replace(/_/g, " ")}</Badge>;
}

// Several rows may show the same approval: one request each, from the identity's cache.
export function loadApproval(id: string): Promise<Approval | null> {
  return cached(`/api/approvals/${id}`, () => approvalsApi.getIfAny(id)).catch(() => null);
}

/** Who let an action run: the people who approved it, or the gate that authorized it. */
export function AuthorizedBy({ e }: { e: Execution }) {
  const [approval, setApproval] = useState<Approval | null>(null);
  useEffect(() => {
    let live = true;
    if (e.approvalId) loadApproval(e.approvalId).then((a) => live && setApproval(a));
    return () => {
      live = false;
    };
  }, [e.approvalId]);
  if (e.approvalId) {
    const approvers = approval?.decisions.filter((d) => d.decision === "approve").map((d) => d.decidedBy) ?? [];
    return (
      <span className="small">
        {approvers.length ? (
          <>
            approved by <strong>{approvers.join(", ")}</strong>
          </>
        ) : (
          <>
            approval <span className="mono">{e.approvalId.slice(0, 8)}</span>
          </>
        )}
      </span>
    );
  }
  const gate = e.authorizedBy.startsWith("gate:") ? e.authorizedBy.slice(5) : null;
  return gate ? (
    <span className="small" title={gate}>
      gate <strong>{parseScope(gate).actionType ?? "any action"}</strong>
    </span>
  ) : (
    <span className="small mono">{e.authorizedBy}</span>
  );
}
