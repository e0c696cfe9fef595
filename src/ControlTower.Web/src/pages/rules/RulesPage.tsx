import { useState } from "react";
import { rulesApi } from "../../api/rules";
import { AsyncBlock, PageHeader, useAsync } from "../../ui";
import { RuleSetDetail } from "./RuleSetDetail";

/** Rule sets: pick one, read its rules at any version, and test it against an input with every hit explained. */
export function RulesPage() {
  const list = useAsync(() => rulesApi.list(), []);
  const [picked, setPicked] = useState<string | null>(null);
  const current = picked ?? list.data?.[0]?.id ?? null;
  return (
    <>
      <PageHeader
        title="Rules"
        subtitle="Decision tables the workflows' rules nodes and governance consult. Test one against an input to see which rules hit and why."
      />
      <AsyncBlock
        state={list}
        label="Loading rule sets…"
        empty={{
          title: "No rule sets yet",
          text: (
            <>
              Create one with <code>POST /api/rule-sets</code>; it appears here with its versions.
            </>
          ),
        }}
      >
        {(sets) => (
          <div className="rules-layout">
            <nav className="card rules-list" aria-label="Rule sets">
              {sets.map((r) => (
                <button
                  key={r.id}
                  className={r.id === current ? "active" : ""}
                  aria-current={r.id === current}
                  onClick={() => setPicked(r.id)}
                  data-testid={`rule-set-${r.id}`}
                >
                  <strong className="mono">{r.id}</strong>
                  <span className="muted small">
                    v{r.latestVersion} · {r.definition.rules.length} rule{r.definition.rules.length === 1 ? "" : "s"}
                  </span>
                </button>
              ))}
            </nav>
            {current && <RuleSetDetail key={current} id={current} />}
          </div>
        )}
      </AsyncBlock>
    </>
  );
}
