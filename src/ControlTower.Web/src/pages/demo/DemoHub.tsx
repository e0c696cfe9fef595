import { useState } from "react";
import { ErrorBox, PageHeader } from "../../ui";
import { Scenarios } from "./Scenarios";
import { SimulatePanel } from "./SimulatePanel";
import { TrustLive } from "./TrustLive";
import { WaitingApprovals } from "./WaitingApprovals";
import { demoApi, type Simulation } from "../../api/demo";

// The demo hub, the landing page in demo mode: what the demo is, scenarios, a simulation with its progress, the dispense
// scope's trust filling live, what waits for a person, and the runs the simulation created.

/** The seeded dispense scope (tenant|site|queue|action|role); a simulation names the one it drives. */
const dispenseScope = "acme-pharmacy|store-001|refill|pharmacy.dispense|pharmacist";

export function DemoHub() {
  const [job, setJob] = useState<Simulation | null>(null);
  // Coarse on purpose: the chart and the lists reload every ten cases and when the job ends, not after every case.
  const tick = job ? `${job.id}:${Math.floor(job.done / 10)}:${job.status}` : "idle";
  const [resetError, setResetError] = useState<unknown>(null);
  const reset = async () => {
    if (
      !window.confirm(
        "Put the demo back to its seeded state? Runs, approvals, executions, trust and stock are reset; the audit log is kept.",
      )
    )
      return;
    try {
      await demoApi.reset();
      window.location.reload();
    } catch (e) {
      setResetError(e);
    }
  };
  return (
    <div className="stack" data-testid="demo-hub">
      <PageHeader
        title="The pharmacy demo"
        subtitle="A retail pharmacy's prescription refills run on Control Tower: requests go through prescriber approval, pre-verification and the pharmacist, then a governed dispense from the pharmacy's inventory server."
        actions={
          <button className="btn sm" onClick={reset} disabled={job?.status === "running"} data-testid="demo-reset">
            Reset demo
          </button>
        }
      />
      {resetError != null && <ErrorBox error={resetError} />}
      <p className="small">
        Every dispense is a governed action under a trust scope. It starts at <em>observe</em> — a person approves each one — and climbs to
        <em> propose</em> and the automatic stages as people approve and dispenses succeed; a burst of failures sends it back down. Run a
        scenario to follow one case, or simulate a couple of hundred to watch the scope earn its autonomy.
      </p>
      <Scenarios />
      <SimulatePanel onProgress={setJob} />
      <TrustLive scopeKey={job?.scopeKey ?? dispenseScope} tick={tick} />
      <WaitingApprovals tick={tick} recent={job?.recent ?? []} />
    </div>
  );
}
