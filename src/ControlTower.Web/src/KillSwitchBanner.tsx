import { useEffect, useState } from "react";
import { governanceApi, type KillSwitch } from "./api/governance";
import { Link, useLocation } from "./router";

/** While the kill switch is engaged, every page says so: automation is stopped until someone releases it. */
export function KillSwitchBanner() {
  const { path } = useLocation();
  const [state, setState] = useState<KillSwitch | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => document.visibilityState === "visible" && setTick((t) => t + 1), 15_000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    let live = true;
    governanceApi.killSwitch().then(
      (k) => live && setState(k),
      () => live && setState(null),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  if (!state?.engaged) return null;
  return (
    <div className="kill-banner" role="alert" data-testid="kill-banner">
      <strong>Kill switch engaged:</strong> governed actions are stopped{state.reason ? ` (${state.reason})` : ""}
      {state.updatedBy ? `, by ${state.updatedBy}` : ""}. <Link to="/governance">Governance</Link>
    </div>
  );
}
