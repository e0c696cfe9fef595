import { useState, type FormEvent } from "react";
import { rulesApi, type Evaluation, type RuleSet, type Why } from "../../api/rules";
import { Badge, ErrorBox, Json } from "../../ui";

/** A sample input (its fields prefilled from the input schema) evaluated by the server; every rule shows why it hit or not. */
export function RuleTest({ ruleSet }: { ruleSet: RuleSet }) {
  const [input, setInput] = useState(() =>
    JSON.stringify(Object.fromEntries(Object.keys(ruleSet.definition.inputSchema?.properties ?? {}).map((k) => [k, null])), null, 2),
  );
  const [result, setResult] = useState<Evaluation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (err) {
      setError(new Error(`The input is not JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      setResult(await rulesApi.test(ruleSet.id, { input: parsed, version: ruleSet.version }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card card-pad stack">
      <h3>Test v{ruleSet.version} against an input</h3>
      <form onSubmit={submit} className="stack">
        <label className="field">
          Input (JSON object; its keys are the variables of the conditions)
          <textarea className="mono" rows={6} value={input} onChange={(e) => setInput(e.target.value)} data-testid="rule-test-input" />
        </label>
        <button type="submit" className="btn primary" disabled={busy} style={{ alignSelf: "flex-start" }} data-testid="rule-test-run">
          Test the rule set
        </button>
      </form>
      {error != null && <ErrorBox error={error} />}
      {result && <RuleResult result={result} />}
    </div>
  );
}

function RuleResult({ result }: { result: Evaluation }) {
  return (
    <div className="stack" data-testid="rule-test-result">
      <p>
        {result.matched.length === 0 ? (
          <Badge status="skipped">no rule hit</Badge>
        ) : (
          <Badge status="completed">
            {result.matched.length} hit{result.matched.length === 1 ? "" : "s"}
          </Badge>
        )}
        {result.denied && (
          <>
            {" "}
            <Badge status="failed">denied</Badge>
          </>
        )}
        {result.requiresApproval && (
          <>
            {" "}
            <Badge status="waiting">requires approval</Badge>
          </>
        )}
        {result.route && (
          <>
            {" "}
            route <code>{result.route}</code>
          </>
        )}
        {result.tags.length > 0 && (
          <>
            {" "}
            tags{" "}
            {result.tags.map((t) => (
              <code key={t}>{t} </code>
            ))}
          </>
        )}
      </p>
      {Object.keys(result.outputs).length > 0 && (
        <div>
          <strong className="small">Outputs</strong>
          <Json value={result.outputs} />
        </div>
      )}
      <ul className="rule-why">
        {result.evaluated.map((r) => (
          <li key={r.ruleId} className={r.matched ? "hit" : ""} data-testid={`rule-why-${r.ruleId}`}>
            <span className="mono">
              <strong>{r.ruleId}</strong>
            </span>{" "}
            {r.matched ? <Badge status="completed">hit</Badge> : <Badge status="skipped">no hit</Badge>}
            {result.matched.find((m) => m.ruleId === r.ruleId)?.reason && (
              <span className="small muted"> · {result.matched.find((m) => m.ruleId === r.ruleId)!.reason}</span>
            )}
            <WhyTree why={r.why} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The condition's value, and for `&&`, `||` and `!` each part's value: why a rule hit or did not. */
function WhyTree({ why }: { why: Why }) {
  return (
    <div className="why">
      <code>{why.expression}</code> →{" "}
      {why.error ? <span className="field-error">{why.error}</span> : <code className="why-value">{JSON.stringify(why.value)}</code>}
      {why.parts && why.parts.length > 0 && (
        <div className="why-parts">
          {why.parts.map((p, i) => (
            <WhyTree key={i} why={p} />
          ))}
        </div>
      )}
    </div>
  );
}
