import { useState, type FormEvent } from "react";
import type { Me } from "../../api/identity";
import { workflowsApi, type WorkflowDetail } from "../../api/workflows";
import { ErrorBox, useToast } from "../../ui";
import { settingsOf, withSettings, type RunSettings } from "./runSettings";

/** Enabled state, and the run settings kept in the graph's config (saved as a new version). */
export function SettingsTab({ detail, me, onSaved }: { detail: WorkflowDetail; me: Me; onSaved: (d: WorkflowDetail) => void }) {
  const [settings, setSettings] = useState<RunSettings>(() => settingsOf(detail.graph.config));
  const [enabledError, setEnabledError] = useState<unknown>(null);
  const [toast, say] = useToast();
  const canWrite = me.role === "admin" || me.role === "operator";
  const phases = Object.keys(settings.outcomes);
  const [saving, setSaving] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  // The tab stays open after a save (unlike a dialog), so the form is usable again at once.
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving({ busy: true, error: null });
    try {
      const graph = { ...detail.graph, config: withSettings(detail.graph.config, settings) };
      const saved = await workflowsApi.saveVersion(detail.workflow.id, {
        graph,
        message: "Run settings changed",
        baseVersion: detail.version.version,
      });
      onSaved(saved);
      say(`Saved as v${saved.version.version}`);
      setSaving({ busy: false, error: null });
    } catch (error) {
      setSaving({ busy: false, error });
    }
  };
  const toggleEnabled = async () => {
    setEnabledError(null);
    try {
      const w = await workflowsApi.toggle(detail.workflow);
      onSaved({ ...detail, workflow: w });
    } catch (e) {
      setEnabledError(e);
    }
  };

  return (
    <div className="stack" style={{ maxWidth: 640 }} data-testid="settings-tab">
      <section className="card card-pad stack">
        <h2>Triggers</h2>
        <div className="row">
          <button
            className="switch"
            role="switch"
            aria-checked={detail.workflow.enabled}
            aria-label={detail.workflow.enabled ? "Disable workflow" : "Enable workflow"}
            onClick={toggleEnabled}
            disabled={!canWrite}
          />
          <span>
            {detail.workflow.enabled ? "Enabled: webhooks, schedules and MCP can start runs" : "Disabled: only manual runs start"}
          </span>
        </div>
        {enabledError != null && <ErrorBox error={enabledError} />}
      </section>
      <form className="card card-pad stack" onSubmit={save}>
        <h2>Runs</h2>
        <label className="field">
          Durability
          <select
            value={settings.durability}
            onChange={(e) => setSettings({ ...settings, durability: e.target.value as RunSettings["durability"] })}
            disabled={!canWrite}
          >
            <option value="checkpoint">Checkpoint: commit at durability boundaries (default, faster)</option>
            <option value="step">Step: commit after every node (each result durable at once)</option>
          </select>
        </label>
        <label className="field">
          Step budget
          <input
            type="number"
            min={1}
            placeholder="1000 (server default)"
            value={settings.stepBudget}
            onChange={(e) => setSettings({ ...settings, stepBudget: e.target.value })}
            disabled={!canWrite}
          />
          <span className="hint">The most node executions one run may use, loops and retries included.</span>
        </label>
        <label className="field">
          Nodes running at once
          <input
            type="number"
            min={1}
            placeholder="unlimited"
            value={settings.maxParallelNodes}
            onChange={(e) => setSettings({ ...settings, maxParallelNodes: e.target.value })}
            disabled={!canWrite}
          />
        </label>
        <fieldset className="stack" style={{ border: 0, padding: 0 }}>
          <legend>
            <strong>Business outcome of each phase</strong>
          </legend>
          <span className="muted small">
            A run that ends in a phase marked failure shows as such in the runs list, even when its graph completed.
          </span>
          {phases.length === 0 && (
            <span className="muted small">
              This workflow declares no phases (graph <code>config.phases</code>).
            </span>
          )}
          {phases.map((phase) => (
            <label key={phase} className="row small">
              <span style={{ minWidth: 160 }}>{phase.replace(/_/g, " ")}</span>
              <select
                aria-label={`Outcome of phase ${phase}`}
                value={settings.outcomes[phase]}
                disabled={!canWrite}
                onChange={(e) =>
                  setSettings({
                    ...settings,
                    outcomes: { ...settings.outcomes, [phase]: e.target.value as RunSettings["outcomes"][string] },
                  })
                }
              >
                <option value="">in progress / not an outcome</option>
                <option value="success">success</option>
                <option value="failure">failure</option>
              </select>
            </label>
          ))}
        </fieldset>
        {saving.error != null && <ErrorBox error={saving.error} />}
        <div>
          <button className="btn primary" type="submit" disabled={!canWrite || saving.busy}>
            Save as a new version
          </button>
        </div>
      </form>
      {toast}
    </div>
  );
}
