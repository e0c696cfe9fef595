import { approvalsApi } from "../../api/approvals";
import type { JsonSchema } from "../../api/nodeTypes";
import { useAsync } from "../../ui";

export interface Approvers {
  roles?: string[];
  users?: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** Where a node type keeps its approvers: in its own config (`approval`) or in its approval block (`governed.action`). */
export function approversPath(type: string): string[] | null {
  if (type === "approval") return [];
  if (type === "governed.action") return ["approval"];
  return null;
}

/** The schema without the `approvers` at `path`, which the picker edits instead of two free-text lists. */
export function withoutApprovers(schema: JsonSchema, path: string[] = []): JsonSchema {
  const properties = schema.properties ?? {};
  if (path.length === 0) {
    const { approvers: _, ...rest } = properties;
    return { ...schema, properties: rest };
  }
  const [head, ...tail] = path;
  const inner = properties[head];
  return inner ? { ...schema, properties: { ...properties, [head]: withoutApprovers(inner, tail) } } : schema;
}

type Config = Record<string, unknown>;

const objectAt = (v: unknown): Config => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Config) : {});

/** The approvers stored at `path` in a node's config. */
export function approversAt(config: Config, path: string[]): unknown {
  return path.reduce<Config>((at, key) => objectAt(at[key]), config).approvers;
}

/** The config with `approvers` at `path` set, or removed when none; a block left empty is dropped, as it means the defaults. */
export function withApproversAt(config: Config, path: string[], approvers: Approvers | undefined): Config {
  if (path.length === 0) {
    const { approvers: _, ...rest } = config;
    return approvers ? { ...rest, approvers } : rest;
  }
  const [head, ...tail] = path;
  const { [head]: inner, ...rest } = config;
  const next = withApproversAt(objectAt(inner), tail, approvers);
  return Object.keys(next).length === 0 ? rest : { ...rest, [head]: next };
}

/**
 * Who decides an approval: roles as checkboxes and people picked from the server's users (name and role). Nobody
 * chosen leaves `approvers` out, so admins and approvers decide. A saved name no longer listed stays, marked.
 */
export function ApproverPicker({
  value,
  onChange,
  legend = "Who decides",
}: {
  value: unknown;
  onChange: (next: Approvers | undefined) => void;
  legend?: string;
}) {
  const deciders = useAsync(() => approvalsApi.deciders(), []);
  const current = (value ?? {}) as Approvers;
  const roles = strings(current.roles);
  const users = strings(current.users);
  const set = (next: { roles: string[]; users: string[] }) =>
    onChange(next.roles.length === 0 && next.users.length === 0 ? undefined : { roles: next.roles, users: next.users });
  const allRoles = deciders.data?.roles ?? ["admin", "approver"];
  const people = deciders.data?.users ?? [];
  const addable = people.filter((p) => !users.includes(p.name));
  return (
    <fieldset className="approver-picker" data-testid="approver-picker">
      <legend>{legend}</legend>
      <p className="hint">Pick roles, people, or both; anyone matching may decide. Nobody chosen: admins and approvers decide.</p>
      <div className="row" role="group" aria-label="Deciding roles">
        {allRoles.map((r) => (
          <label key={r} className="check">
            <input
              type="checkbox"
              checked={roles.includes(r)}
              onChange={(e) => set({ roles: e.target.checked ? [...roles, r] : roles.filter((x) => x !== r), users })}
              data-testid={`approver-role-${r}`}
            />
            {r}
          </label>
        ))}
      </div>
      <ul className="chips" aria-label="Deciding people">
        {users.map((u) => {
          const known = people.find((p) => p.name === u);
          return (
            <li key={u} className="chip" data-testid="approver-user">
              {u}
              <span className="muted small">{known ? ` · ${known.role}` : deciders.data ? " · not a user here" : ""}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${u}`}
                onClick={() => set({ roles, users: users.filter((x) => x !== u) })}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <label className="field">
        Add a person
        <select
          value=""
          onChange={(e) => e.target.value && set({ roles, users: [...users, e.target.value] })}
          disabled={addable.length === 0}
          data-testid="approver-add-user"
        >
          <option value="">{deciders.loading ? "Loading people…" : addable.length ? "Choose…" : "Nobody else to add"}</option>
          {addable.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} ({p.role})
            </option>
          ))}
        </select>
      </label>
      {deciders.error != null && (
        <p className="field-error small">The people on this server could not be listed; saved names stay as they are.</p>
      )}
    </fieldset>
  );
}
