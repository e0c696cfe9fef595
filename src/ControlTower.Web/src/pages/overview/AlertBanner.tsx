import { Link } from "../../router";
import { operationsApi } from "../../api/operations";
import { usePolling } from "./usePolling";

/** Shown on every page while an SLO alert fires; hidden for callers who may not read alerts. */
export function AlertBanner() {
  const { data } = usePolling(() => operationsApi.alerts(), 30_000, []);
  const firing = data?.firing ?? [];
  if (firing.length === 0) return null;
  const pages = firing.filter((a) => a.severity === "page");
  return (
    <div className={`alert-banner ${pages.length > 0 ? "page" : "ticket"}`} role="alert" data-testid="alert-banner">
      <strong>{pages.length > 0 ? "Paging" : "Ticket"}:</strong>{" "}
      {firing.map((a) => `${a.sloId} ${a.rule} (burn ${a.shortBurnRate.toFixed(1)}×)`).join(" · ")}{" "}
      <Link to="/overview">Open the overview</Link>
    </div>
  );
}
