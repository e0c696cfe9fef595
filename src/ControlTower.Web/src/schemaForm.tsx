import { useEffect, useRef, useState } from "react";
import type { JsonSchema } from "./api/nodeTypes";
import { credentialsApi, type Credential } from "./api/credentials";
import { expressionsApi, type Diagnostic } from "./api/expressions";
import { CelSuggestions } from "./pages/editor/CelSuggestions";
import { exampleOf, helpOf, labelOf } from "./formText";
import { EvaluatedValue } from "./pages/editor/EvaluatedValue";

// A config form generated from a node type's JSON schema; CEL fields (x-cel) are checked as you type.

export function SchemaForm({
  schema,
  value,
  onChange,
  empty = "This node type has no settings.",
}: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  empty?: string;
}) {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return <p className="muted small">{empty}</p>;
  const set = (k: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined || v === "") delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <div>
      {props.map(([k, s]) => (
        <Field key={k} name={k} schema={s} required={schema.required?.includes(k) ?? false} value={value[k]} onChange={(v) => set(k, v)} />
      ))}
    </div>
  );
}

function typeOf(s: JsonSchema): string | undefined {
  return Array.isArray(s.type) ? s.type[0] : s.type;
}

function Field({
  name,
  schema,
  required,
  value,
  onChange,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const t = typeOf(schema);
  const help = helpOf(name, schema);
  const example = exampleOf(name, schema);
  const label = (
    <>
      <span>
        {labelOf(name, schema)}
        {required && (
          <span aria-hidden style={{ color: "var(--bad)" }}>
            {" "}
            *
          </span>
        )}
        {schema["x-cel"] ? <span className="hint"> · CEL {schema["x-cel"] === "template" ? "template" : "expression"}</span> : null}
      </span>
      {help && <span className="hint">{help}</span>}
    </>
  );
  const id = `f-${name}`;
  if (schema["x-cel"] && (t === "string" || t === undefined)) {
    return (
      <label className="field" htmlFor={id}>
        {label}
        <CelInput
          id={id}
          template={schema["x-cel"] === "template"}
          placeholder={example}
          value={typeof value === "string" ? value : ""}
          onChange={onChange}
        />
      </label>
    );
  }
  if (name === "credentialId" && t === "string") {
    return (
      <label className="field" htmlFor={id}>
        {label}
        <CredentialSelect id={id} value={typeof value === "string" ? value : ""} onChange={onChange} />
      </label>
    );
  }
  if (schema.enum) {
    return (
      <label className="field" htmlFor={id}>
        {label}
        <select
          id={id}
          value={value === undefined ? "" : String(value)}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}
        >
          <option value="">{schema.default !== undefined ? `default (${String(schema.default)})` : "—"}</option>
          {schema.enum.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  if (t === "string") {
    return (
      <label className="field" htmlFor={id}>
        {label}
        <input
          id={id}
          value={typeof value === "string" ? value : ""}
          placeholder={example && `e.g. ${example}`}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
    );
  }
  if (t === "integer" || t === "number") {
    return (
      <label className="field" htmlFor={id}>
        {label}
        <input
          id={id}
          type="number"
          min={schema.minimum}
          max={schema.maximum}
          step={t === "integer" ? 1 : "any"}
          value={typeof value === "number" ? value : ""}
          placeholder={schema.default !== undefined ? `${String(schema.default)} (default)` : ""}
          onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      </label>
    );
  }
  if (t === "boolean") {
    return (
      <label className="field row" htmlFor={id} style={{ flexDirection: "row" }}>
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} style={{ minHeight: 0 }} />{" "}
        <span>{labelOf(name, schema)}</span>
        {help && <span className="hint"> · {help}</span>}
      </label>
    );
  }
  const additional = schema.additionalProperties;
  if (t === "object" && additional && typeof additional === "object" && additional["x-cel"] && !schema.properties) {
    return (
      <div className="field">
        {label}
        <CelMap value={(value as Record<string, string>) ?? {}} template={additional["x-cel"] === "template"} onChange={onChange} />
      </div>
    );
  }
  return (
    <label className="field" htmlFor={id}>
      {label}
      <JsonInput id={id} value={value} onChange={onChange} />
    </label>
  );
}

/**
 * Picks one of the credentials the signed-in person may use (own or shared). An id that is not in the
 * list (someone else's, or deleted) stays selected and is named as unknown rather than silently dropped.
 */
function CredentialSelect({ id, value, onChange }: { id: string; value: string; onChange: (v: unknown) => void }) {
  const [list, setList] = useState<Credential[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Every credential field of every node offers the same list: one request, from the identity's cache.
    credentialsApi.listCached().then(
      (l) => live && setList(l),
      (e: Error) => {
        if (live) setFailed(e.message);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const known = list?.some((c) => c.id === value) ?? true;
  return (
    <>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value || undefined)} data-testid="credential-select">
        <option value="">None (the server's default)</option>
        {list?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} · {c.credentialType.replace(/_/g, " ")}
            {c.access === "shared" ? " · shared with me" : ""}
          </option>
        ))}
        {value && !known && <option value={value}>Unknown credential {value.slice(0, 8)}…</option>}
      </select>
      {list?.length === 0 && <span className="hint">You have no credentials yet; add one on the Credentials page.</span>}
      {value && !known && (
        <span className="field-error">This credential is not yours or shared with you; runs you start will fail to use it.</span>
      )}
      {failed && <span className="field-error">Could not load your credentials: {failed}</span>}
    </>
  );
}

/** A CEL expression or template, validated by the server 300 ms after typing stops. */
export function CelInput({
  id,
  value,
  template,
  placeholder,
  onChange,
}: {
  id?: string;
  value: string;
  template: boolean;
  placeholder?: string;
  onChange: (v: string) => void;
}) {
  const [diagnostics, setDiagnostics] = useState<Diagnostic[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  useEffect(() => {
    if (!value.trim()) {
      setDiagnostics(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      expressionsApi.validate({ expression: value, template }).then(
        (r) => {
          if (live) {
            setDiagnostics(r.diagnostics);
            setFailed(null);
          }
        },
        (e: Error) => {
          if (live) setFailed(e.message);
        },
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [value, template]);
  const invalid = (diagnostics?.length ?? 0) > 0;
  return (
    <>
      <textarea
        id={id}
        ref={field}
        className="mono"
        rows={2}
        style={{ minHeight: 44 }}
        value={value}
        spellCheck={false}
        aria-invalid={invalid}
        placeholder={placeholder ? `e.g. ${placeholder}` : template ? "e.g. Hello {{ input.name }}" : "e.g. input.amount > 100"}
        onChange={(e) => {
          onChange(e.target.value);
          setCursor(e.target.selectionStart);
        }}
        onSelect={(e) => setCursor(e.currentTarget.selectionStart)}
        onBlur={() => setCursor(null)}
        data-testid="cel-input"
      />
      <CelSuggestions field={field} value={value} cursor={cursor} onPick={onChange} />
      {invalid &&
        diagnostics!.map((d, i) => (
          <span key={i} className="field-error" role="alert">
            {d.line}:{d.column} {d.message} <code>{d.code}</code>
          </span>
        ))}
      {diagnostics && !invalid && <span className="field-ok">✓ valid</span>}
      <EvaluatedValue expression={value} template={template} valid={diagnostics !== null && !invalid} />
      {failed && <span className="field-error">Could not check: {failed}</span>}
    </>
  );
}

function CelMap({ value, template, onChange }: { value: Record<string, string>; template: boolean; onChange: (v: unknown) => void }) {
  const entries = Object.entries(value);
  const [newKey, setNewKey] = useState("");
  const update = (k: string, v: string) => onChange({ ...value, [k]: v });
  const remove = (k: string) => {
    const n = { ...value };
    delete n[k];
    onChange(Object.keys(n).length ? n : undefined);
  };
  return (
    <div className="stack" style={{ gap: 6, fontWeight: 400 }}>
      {entries.map(([k, v]) => (
        <div key={k}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <code>{k}</code>
            <button type="button" className="btn ghost sm" onClick={() => remove(k)} aria-label={`Remove ${k}`}>
              Remove
            </button>
          </div>
          <CelInput value={typeof v === "string" ? v : JSON.stringify(v)} template={template} onChange={(nv) => update(k, nv)} />
        </div>
      ))}
      <div className="row">
        <input placeholder="new key" value={newKey} onChange={(e) => setNewKey(e.target.value)} aria-label="New key" />
        <button
          type="button"
          className="btn sm"
          disabled={!newKey.trim() || newKey in value}
          onClick={() => {
            update(newKey.trim(), "");
            setNewKey("");
          }}
        >
          Add
        </button>
      </div>
    </div>
  );
}

function JsonInput({ id, value, onChange }: { id: string; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (!text.trim()) {
      setError(null);
      onChange(undefined);
      return;
    }
    try {
      onChange(JSON.parse(text));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      <textarea id={id} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} onBlur={commit} placeholder="JSON" />
      {error && <span className="field-error">{error}</span>}
    </>
  );
}
