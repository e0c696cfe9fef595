import { useEffect, useState } from "react";
import { approvalsApi } from "../../api/approvals";
import { useLocation } from "../../router";

/** How many approvals wait for the signed-in person, beside "Approvals" in the side menu; refreshed on navigation and every 20 s. */
export function PendingApprovalsCount() {
  const { path } = useLocation();
  const [count, setCount] = useState(0);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => document.visibilityState === "visible" && setTick((t) => t + 1), 20_000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    let live = true;
    // Only the total is shown: one row is the cheapest page that carries it.
    approvalsApi.list("status=pending&mine=true&limit=1").then(
      (page) => live && setCount(page.total),
      () => live && setCount(0),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  if (count === 0) return null;
  return (
    <span className="count" data-testid="pending-approvals" aria-label={`${count} pending`}>
      {count > 99 ? "99+" : count}
    </span>
  );
}
