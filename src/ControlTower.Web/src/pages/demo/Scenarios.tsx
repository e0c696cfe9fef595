import { useState } from "react";
import { navigate } from "../../router";
import { ErrorBox, useAsync } from "../../ui";
import { demoApi } from "../../api/demo";

/** One button per scenario template the server offers; a press starts its run and opens it. */
export function Scenarios() {
  const { data } = useAsync(() => demoApi.scenarios(), []);
  const [error, setError] = useState<unknown>(null);
  if (!data || data.length === 0) return null;
  const start = async (id: string) => {
    setError(null);
    try {
      const started = await demoApi.startScenario(id);
      navigate(`/runs/${started.runId}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card card-pad stack" data-testid="demo-scenarios">
      <h3>Scenarios</h3>
      <p className="small muted">Each starts one real refill run that takes a particular path through the workflow.</p>
      {error != null && <ErrorBox error={error} />}
      <div className="row" style={{ flexWrap: "wrap" }}>
        {data.map((s) => (
          <button key={s.id} className="btn" title={s.description} onClick={() => start(s.id)} data-testid={`scenario-${s.id}`}>
            {s.title}
          </button>
        ))}
      </div>
    </section>
  );
}
