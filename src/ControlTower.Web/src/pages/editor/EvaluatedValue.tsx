import { useContext, useEffect, useState } from "react";
import { runsApi, type Evaluation } from "../../api/runs";
import { ExpressionData } from "../../expressionData";
import { previewOf } from "./preview";

/**
 * What a valid expression gives on the workflow's last run, beside the field: evaluated by the server's CEL engine
 * (POST /api/runs/{id}/evaluate) 400 ms after typing stops; nothing in the browser evaluates CEL.
 */
export function EvaluatedValue({ expression, template, valid }: { expression: string; template: boolean; valid: boolean }) {
  const data = useContext(ExpressionData);
  const runId = data?.runId;
  const [result, setResult] = useState<{ for: string; evaluation: Evaluation | null; failed?: string } | null>(null);
  const key = `${runId}:${template}:${expression}`;
  useEffect(() => {
    if (!runId || !valid || !expression.trim()) return;
    let live = true;
    const t = setTimeout(() => {
      runsApi.evaluate(runId, { expression, template }).then(
        (evaluation) => live && setResult({ for: key, evaluation }),
        (e: Error) => live && setResult({ for: key, evaluation: null, failed: e.message }),
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [runId, valid, expression, template, key]);
  if (!runId || !valid || !expression.trim() || result?.for !== key) return null;
  const e = result.evaluation;
  if (!e) return <span className="field-note muted small">Could not evaluate: {result.failed}</span>;
  if (e.errorCode) {
    return (
      <span className="field-note small" data-testid="cel-value" data-error={e.errorCode} title={e.errorMessage ?? ""}>
        On the last run: <code>{e.errorCode}</code> {e.errorMessage}
      </span>
    );
  }
  return (
    <span className="field-note small" data-testid="cel-value" title={JSON.stringify(e.value, null, 2)}>
      On the last run <span className="muted">=</span> <code className="mono">{previewOf(e.value, 120)}</code>
    </span>
  );
}
