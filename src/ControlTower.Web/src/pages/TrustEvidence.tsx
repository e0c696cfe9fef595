import { Badge } from "../ui";

// What the trust system said about a governed action: the stage that decided, why, and (unless in shadow) the
// predictions with their model versions and the features that moved them. Shared by approval cards and the run view.

interface Contribution {
  feature: string;
  value: string;
  contribution: number;
}
interface Prediction {
  probability?: number;
  score?: number;
  anomalous?: boolean;
  modelVersion: string;
  coldStart: boolean;
  contributions: Contribution[];
}
export interface TrustEvidenceShape {
  scopeKey?: string;
  stage?: string;
  effectiveStage?: string;
  mode?: string;
  why?: string;
  shadow?: boolean;
  predictions?: { approval: Prediction; success: Prediction; anomaly: Prediction };
  explanation?: string;
  proposalId?: string;
}

const stageTone: Record<string, string> = {
  observe: "muted",
  propose: "waiting",
  guarded_auto: "running",
  conditional_auto: "approved",
  full_auto: "completed",
};

export function StageBadge({ stage }: { stage: string }) {
  return (
    <span data-testid="stage-badge">
      <Badge status={stageTone[stage] ?? "muted"}>{stage.replace(/_/g, " ")}</Badge>
    </span>
  );
}

function PredictionRow({ name, p }: { name: string; p: Prediction }) {
  const value = p.probability ?? p.score ?? 0;
  return (
    <div className="trust-pred" data-testid={`prediction-${name}`}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <strong>{name}</strong>
        <span className="mono">
          {value.toFixed(2)}
          {p.anomalous ? " · anomalous" : ""}
        </span>
      </div>
      <div className="trust-bar" aria-hidden>
        <span style={{ width: `${Math.round(value * 100)}%` }} />
      </div>
      <div className="small muted">
        {p.coldStart ? "cold start prior · " : ""}
        <code>{p.modelVersion}</code>
      </div>
      {p.contributions.length > 0 && (
        <ul className="trust-contrib">
          {p.contributions.slice(0, 4).map((c) => (
            <li key={c.feature}>
              <span>
                {c.feature} <strong>{c.value}</strong>
              </span>
              <span className={c.contribution >= 0 ? "ev-yes" : "ev-no"}>
                {c.contribution >= 0 ? "+" : ""}
                {c.contribution.toFixed(2)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function TrustEvidence({ trust }: { trust: TrustEvidenceShape }) {
  return (
    <div className="ev-group" data-testid="evidence-trust">
      <h4 className="gov-h4">Trust</h4>
      <div className="row">
        {trust.stage && <StageBadge stage={trust.stage} />}
        {trust.effectiveStage && trust.effectiveStage !== trust.stage && (
          <span className="gov-chip">
            capped at <strong>{trust.effectiveStage.replace(/_/g, " ")}</strong>
          </span>
        )}
        {trust.mode && (
          <span className="gov-chip">
            decided by <strong>{trust.mode.replace(/_/g, " ")}</strong>
          </span>
        )}
      </div>
      {trust.why && (
        <p className="small" data-testid="trust-why">
          {trust.why}
        </p>
      )}
      {trust.shadow ? (
        <p className="small muted">Predictions are recorded in shadow at this stage, so they can be scored honestly.</p>
      ) : (
        trust.predictions && (
          <>
            {trust.explanation && (
              <p className="small trust-explanation" data-testid="trust-explanation">
                {trust.explanation}
              </p>
            )}
            <div className="trust-preds">
              <PredictionRow name="approval" p={trust.predictions.approval} />
              <PredictionRow name="success" p={trust.predictions.success} />
              <PredictionRow name="anomaly" p={trust.predictions.anomaly} />
            </div>
          </>
        )
      )}
    </div>
  );
}
