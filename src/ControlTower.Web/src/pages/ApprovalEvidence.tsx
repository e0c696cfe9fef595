import type { ReactNode } from "react";
import { Badge, Json } from "../ui";
import { TrustEvidence, type TrustEvidenceShape } from "./TrustEvidence";

// An approval's evidence, readable at a glance: a governed action's proposal, rule hits and gate as such,
// any other evidence as labelled facts. The raw JSON stays one click away.

type Obj = Record<string, unknown>;

interface RuleMatch {
  ruleId?: string;
  action?: string;
  reason?: string | null;
  priority?: number;
}
interface RuleEvaluated {
  ruleId?: string;
  matched?: boolean;
  why?: { expression?: string };
}
interface GovernedEvidenceShape {
  proposal: { actionType?: string; server?: string; tool?: string; arguments?: Obj; scope?: Obj };
  verdict: {
    decision?: string;
    why?: string;
    killSwitch?: boolean;
    gate?: { authorized?: boolean; scopeKey?: string | null; why?: string };
    rules?: { ruleSetId?: string; version?: number; matched?: RuleMatch[]; evaluated?: RuleEvaluated[] } | null;
  };
  input?: unknown;
  features?: unknown;
  credential?: { name?: string; credentialType?: string; access?: string } | null;
  trust?: TrustEvidenceShape | null;
}

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function asGoverned(value: unknown): GovernedEvidenceShape | null {
  return isObject(value) && isObject(value.proposal) && isObject(value.verdict) ? (value as unknown as GovernedEvidenceShape) : null;
}

/** A governed action's reason for asking, which its approval also carries as instructions (shown once). */
export function governedWhy(value: unknown): string | undefined {
  return asGoverned(value)?.verdict.why;
}

/** snake_case and camelCase keys as words: "days_since_last_fill" → "days since last fill". */
const label = (key: string) =>
  key
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();

const heading = (key: string) => label(key).replace(/^./, (c) => c.toUpperCase());

function Scalar({ value }: { value: unknown }): ReactNode {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === "boolean") return <span className={value ? "ev-yes" : "ev-no"}>{value ? "yes" : "no"}</span>;
  if (Array.isArray(value) && value.every((v) => !isObject(v) && !Array.isArray(v))) {
    return (
      <span className="ev-list">
        {value.map((v, i) => (
          <span key={i} className="gov-chip">
            {String(v)}
          </span>
        ))}
      </span>
    );
  }
  if (typeof value === "object") return <Json value={value} />;
  return <span>{String(value)}</span>;
}

function Facts({ value, testId }: { value: Obj; testId?: string }) {
  return (
    <dl className="gov-facts" data-testid={testId}>
      {Object.entries(value).map(([k, v]) => (
        <div key={k} className="ev-fact">
          <dt>{label(k)}</dt>
          <dd>
            <Scalar value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Evidence that is not a governed action: nested objects become titled groups of facts, the rest one group. */
function PlainEvidence({ value }: { value: unknown }) {
  if (!isObject(value)) return <Scalar value={value} />;
  const groups = Object.entries(value).filter(([, v]) => isObject(v)) as [string, Obj][];
  const loose = Object.fromEntries(Object.entries(value).filter(([, v]) => !isObject(v)));
  return (
    <div className="ev-grid">
      {Object.keys(loose).length > 0 && (
        <div className="ev-group">
          <Facts value={loose} />
        </div>
      )}
      {groups.map(([k, v]) => (
        <div key={k} className="ev-group" data-testid={`evidence-${k}`}>
          <h4 className="gov-h4">{heading(k)}</h4>
          <Facts value={v} />
        </div>
      ))}
    </div>
  );
}

/** "gate <scope> is authorized: <reason>" → the reason: the scope and the state are shown above it. */
function gateReason(why: string, scopeKey: string | null | undefined): string {
  const prefix = `gate ${scopeKey} is `;
  const colon = why.indexOf(": ", prefix.length);
  return scopeKey && why.startsWith(prefix) && colon >= 0 ? why.slice(colon + 2) : why;
}

function GateFacts({ gate, killSwitch }: { gate: GovernedEvidenceShape["verdict"]["gate"]; killSwitch?: boolean }) {
  const scope = gate?.scopeKey
    ? gate.scopeKey.split(";").map((part) => [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)])
    : [];
  return (
    <div className="ev-group" data-testid="evidence-gate">
      <h4 className="gov-h4">Gate</h4>
      <div className="row">
        {gate?.scopeKey == null ? (
          <Badge status="waiting">no gate: a person decides</Badge>
        ) : gate.authorized ? (
          <Badge status="approved">authorized</Badge>
        ) : (
          <Badge status="rejected">revoked</Badge>
        )}
        {killSwitch && <span className="gov-chip gov-chip-kill">kill switch engaged</span>}
      </div>
      {scope.length > 0 && (
        <span className="gov-scope" title={gate?.scopeKey ?? undefined}>
          {scope.map(([k, v]) => (
            <span key={k} className={v === "*" ? "gov-chip any" : "gov-chip"}>
              {label(k)} <strong>{v === "*" ? "any" : v}</strong>
            </span>
          ))}
        </span>
      )}
      {gate?.why && <p className="small muted">{gateReason(gate.why, gate.scopeKey)}</p>}
    </div>
  );
}

function RuleHits({ rules }: { rules: GovernedEvidenceShape["verdict"]["rules"] }) {
  if (!rules) return null;
  const conditions = new Map((rules.evaluated ?? []).map((e) => [e.ruleId, e.why?.expression]));
  const matched = rules.matched ?? [];
  const others = (rules.evaluated ?? []).filter((e) => !e.matched);
  return (
    <div className="ev-group" data-testid="evidence-rules">
      <h4 className="gov-h4">
        Rule hits{" "}
        <span className="muted small">
          {rules.ruleSetId}
          {rules.version != null && ` v${rules.version}`}
        </span>
      </h4>
      {matched.length === 0 ? (
        <p className="small muted">No rule matched.</p>
      ) : (
        <ul className="ev-rules">
          {matched.map((m) => (
            <li key={m.ruleId} data-testid="rule-hit">
              <div className="row">
                <code>{m.ruleId}</code>
                <Badge status={m.action === "deny" ? "rejected" : "waiting"}>{(m.action ?? "").replace(/_/g, " ")}</Badge>
              </div>
              {m.reason && <div>{m.reason}</div>}
              {conditions.get(m.ruleId) && (
                <div className="small muted">
                  when <code>{conditions.get(m.ruleId)}</code>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && <p className="small muted">Also checked, no match: {others.map((o) => o.ruleId).join(", ")}</p>}
    </div>
  );
}

function GovernedEvidence({ evidence }: { evidence: GovernedEvidenceShape }) {
  const { proposal, verdict } = evidence;
  return (
    <>
      {verdict.why && (
        <p className="ev-why" data-testid="evidence-why">
          <strong>Why you are asked:</strong> {verdict.why}
        </p>
      )}
      <div className="ev-grid">
        <div className="ev-group" data-testid="evidence-proposal">
          <h4 className="gov-h4">Proposed call</h4>
          <p className="row">
            <code className="ev-call">
              {proposal.server}/{proposal.tool}
            </code>
            {proposal.actionType && (
              <span className="gov-chip">
                action <strong>{proposal.actionType}</strong>
              </span>
            )}
          </p>
          {proposal.arguments && Object.keys(proposal.arguments).length > 0 ? (
            <Facts value={proposal.arguments} testId="evidence-arguments" />
          ) : (
            <p className="small muted">No arguments.</p>
          )}
          {evidence.credential && (
            <p className="small">
              Runs with credential <strong>{evidence.credential.name}</strong> ({evidence.credential.credentialType},{" "}
              {evidence.credential.access})
            </p>
          )}
        </div>
        {isObject(evidence.features) && (
          <div className="ev-group" data-testid="evidence-features">
            <h4 className="gov-h4">Case facts</h4>
            <Facts value={evidence.features} />
          </div>
        )}
        {evidence.trust && <TrustEvidence trust={evidence.trust} />}
        <RuleHits rules={verdict.rules} />
        <GateFacts gate={verdict.gate} killSwitch={verdict.killSwitch} />
        {isObject(evidence.input) && (
          <div className="ev-group" data-testid="evidence-input">
            <h4 className="gov-h4">Run input</h4>
            <Facts value={evidence.input} />
          </div>
        )}
      </div>
    </>
  );
}

export function ApprovalEvidence({ value }: { value: unknown }) {
  const governed = asGoverned(value);
  return (
    <section className="stack gov-tight ev" data-testid="evidence" aria-label="Evidence">
      <strong className="small">Evidence</strong>
      {governed ? <GovernedEvidence evidence={governed} /> : <PlainEvidence value={value} />}
      <details className="gov-more" data-testid="evidence-raw">
        <summary>Raw JSON</summary>
        <Json value={value} />
      </details>
    </section>
  );
}
