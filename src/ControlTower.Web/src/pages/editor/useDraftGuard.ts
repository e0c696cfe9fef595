import { useEffect } from "react";
import { setLeaveGuard } from "../../router";
import { writeDraft } from "./drafts";

/**
 * The draft in the browser follows the canvas (debounced, cleared once saved), and leaving with unsaved changes
 * asks first: a reload or tab close through `beforeunload`, a move inside the dashboard through the router's guard.
 */
export function useDraftGuard(workflowId: string, version: number, graphJson: string, dirty: boolean) {
  useEffect(() => {
    const t = setTimeout(
      () => writeDraft(workflowId, dirty ? { version, graph: graphJson, savedAt: new Date().toISOString() } : null),
      300,
    );
    return () => clearTimeout(t);
  }, [workflowId, version, graphJson, dirty]);
  useEffect(() => {
    if (!dirty) return;
    const onUnload = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", onUnload);
    setLeaveGuard(() => window.confirm("This workflow has unsaved changes. Leave the editor? (They stay as a draft in this browser.)"));
    return () => {
      window.removeEventListener("beforeunload", onUnload);
      setLeaveGuard(null);
    };
  }, [dirty]);
}
