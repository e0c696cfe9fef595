import { useCallback, useState } from "react";
import { Badge, ErrorBox, Loading, useAsync, useToast, when } from "../../ui";
import { ReasonDialog } from "./ReasonDialog";
import { governanceApi } from "../../api/governance";

export function KillSwitchCard({ admin, onChanged }: { admin: boolean; onChanged: () => void }) {
  const state = useAsync(() => governanceApi.killSwitch(), []);
  const [confirming, setConfirming] = useState(false);
  const close = useCallback(() => setConfirming(false), []);
  const [toast, say] = useToast();
  const k = state.data;
  const flip = async (reason: string) => {
    const next = await governanceApi.setKillSwitch({ engaged: !k!.engaged, reason });
    state.setData(next);
    setConfirming(false);
    say(next.engaged ? "Kill switch engaged: governed actions are stopped" : "Kill switch released");
    onChanged();
  };
  return (
    <section className={`card card-pad gov-kill${k?.engaged ? " engaged" : ""}`} aria-label="Kill switch" data-testid="kill-switch">
      {state.error != null && <ErrorBox error={state.error} onRetry={state.reload} />}
      {state.loading && !k && <Loading label="Reading the kill switch…" />}
      {k && (
        <div className="gov-kill-row">
          <div className="stack gov-tight">
            <div className="row">
              <h3>Kill switch</h3>
              <span data-testid="kill-switch-state">
                <Badge status={k.engaged ? "failed" : "succeeded"}>{k.engaged ? "Engaged" : "Released"}</Badge>
              </span>
            </div>
            <p className="small">
              {k.engaged
                ? "Every governed action is stopped: it ends rejected (blocked) before rules and gates are consulted."
                : "Governed actions run as their rules and gates say. Engage it to stop all of them at once."}
            </p>
            {k.updatedAt ? (
              <p className="muted small" data-testid="kill-switch-last">
                {k.engaged ? "Engaged" : "Released"} by <strong>{k.updatedBy}</strong> {when(k.updatedAt)}: “{k.reason}”
              </p>
            ) : (
              <p className="muted small">Never engaged on this server.</p>
            )}
          </div>
          {admin ? (
            <button
              className={k.engaged ? "btn primary" : "btn danger"}
              onClick={() => setConfirming(true)}
              data-testid="kill-switch-toggle"
            >
              {k.engaged ? "Release kill switch" : "Engage kill switch"}
            </button>
          ) : (
            <span className="muted small">Only admins can engage or release it.</span>
          )}
        </div>
      )}
      {confirming && k && (
        <ReasonDialog
          title={k.engaged ? "Release the kill switch" : "Engage the kill switch"}
          confirmLabel={k.engaged ? "Release" : "Engage"}
          danger={!k.engaged}
          placeholder={
            k.engaged ? "e.g. incident INC-42 resolved, automation verified" : "e.g. incident INC-42: wrong prices pushed to the shop"
          }
          onConfirm={flip}
          onClose={close}
        >
          {k.engaged
            ? "Governed actions will again run as their rules and gates say. Actions that were blocked while it was engaged stay rejected."
            : "Every governed action in every workflow will end rejected (blocked) until it is released. Runs already executing a tool call finish that call."}
        </ReasonDialog>
      )}
      {toast}
    </section>
  );
}
