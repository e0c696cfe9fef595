// The API client: Bearer from the session's sign-in, ProblemDetails turned into ApiError.

const keyStorage = "ct.apiKey";

export function apiKey(): string | null {
  return sessionStorage.getItem(keyStorage);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(keyStorage, key);
  else sessionStorage.removeItem(keyStorage);
  clearCache();
}

// The one data cache, for what many components read and rarely changes (the credential list, approvals).
// It belongs to the signed-in identity: signing in or out empties it, and so does a request made under another
// identity than the one that filled it, so the next person on the same tab never sees the last one's data.
// A successful change (POST, PUT, DELETE) drops the entries of the resource it changed (`/api/<resource>...`).
const cache = { owner: null as string | null, entries: new Map<string, Promise<unknown>>() };

function resourceOf(path: string): string {
  return path.split("?")[0].split("/").slice(0, 3).join("/");
}

/** Empties the cache, or only the entries under `prefix`. */
export function clearCache(prefix?: string): void {
  if (prefix === undefined) {
    cache.entries.clear();
    cache.owner = null;
    return;
  }
  for (const key of [...cache.entries.keys()]) if (key.startsWith(prefix)) cache.entries.delete(key);
}

/** `load()` once per path for the signed-in identity; a failed load is forgotten so the next call tries again. */
export function cached<T>(path: string, load: () => Promise<T> = () => api.get<T>(path)): Promise<T> {
  const owner = apiKey() ?? "";
  if (cache.owner !== owner) {
    cache.entries.clear();
    cache.owner = owner;
  }
  const hit = cache.entries.get(path) as Promise<T> | undefined;
  if (hit) return hit;
  const loading = load();
  cache.entries.set(path, loading);
  loading.catch(() => {
    if (cache.entries.get(path) === loading) cache.entries.delete(path);
  });
  return loading;
}

/** A failed call: the ProblemDetails `detail` and `code` when the server sent them. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly title: string;
  readonly body: unknown;
  constructor(status: number, title: string, detail: string, code: string | null, body: unknown) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.code = code;
    this.body = body;
  }
}

function headers(extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { Accept: "application/json", ...extra };
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function failure(res: Response): Promise<ApiError> {
  let body: unknown = null;
  const text = await res.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  const pd = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const title = typeof pd.title === "string" ? pd.title : `${res.status} ${res.statusText}`;
  const detail = typeof pd.detail === "string" ? pd.detail : typeof body === "string" ? body : "";
  const code = typeof pd.code === "string" ? pd.code : null;
  return new ApiError(res.status, title, detail, code, body);
}

export async function request<T>(method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<T> {
  const init: RequestInit = { method, headers: headers(extraHeaders) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res);
  if (method !== "GET") clearCache(resourceOf(path));
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown, h?: Record<string, string>) => request<T>("POST", path, body ?? {}, h),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  del: <T>(path: string) => request<T>("DELETE", path),
};

/** GET that answers null when the route does not exist (a feature not deployed on this server). */
export async function getOptional<T>(path: string): Promise<T | null> {
  try {
    return await api.get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export interface RunEvent {
  type: "update" | "complete" | "error";
  timestamp: string;
  data: Record<string, unknown> | null;
  trace_id: string;
  seq: number;
  version: string;
}

/** The `data:` payload of each Server-Sent Events frame of a response body, in order (frames without data are skipped). */
export async function* sseData(body: NonNullable<Response["body"]>): AsyncGenerator<string> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      if (data) yield data;
    }
  }
}

/**
 * Follows a run's Server-Sent Events over fetch (EventSource cannot send a Bearer header) and
 * reconnects from the last seen id until the run's final event or abort.
 */
export async function followRunEvents(runId: string, onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<void> {
  let lastId = 0;
  let finished = false;
  while (!finished && !signal.aborted) {
    try {
      const res = await fetch(`/api/runs/${runId}/events`, {
        headers: headers({ Accept: "text/event-stream", "Last-Event-ID": String(lastId) }),
        signal,
      });
      if (!res.ok || !res.body) throw await failure(res);
      for await (const data of sseData(res.body)) {
        const evt = JSON.parse(data) as RunEvent;
        lastId = evt.seq;
        onEvent(evt);
        if (evt.type === "complete" || evt.type === "error") finished = true;
      }
      if (!finished) await new Promise((r) => setTimeout(r, 1000));
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status < 500) throw e;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
