import { useState } from "react";
import { api } from "../../api";
import { Json } from "../../ui";
import { findBlobRefs, sizeText, type BlobRef } from "./blobRefs";

/** A run's JSON value; payloads stored by reference are listed under it and loaded on demand. */
export function PayloadJson({ runId, value }: { runId: string; value: unknown }) {
  const refs = findBlobRefs(value);
  return (
    <>
      <Json value={value} />
      {refs.map(({ path, ref }) => (
        <BlobLoader key={`${path}:${ref.sha256}`} runId={runId} path={path} blob={ref} />
      ))}
    </>
  );
}

function BlobLoader({ runId, path, blob }: { runId: string; path: string; blob: BlobRef }) {
  const [content, setContent] = useState<unknown>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const load = async () => {
    setLoading(true);
    try {
      setContent(await api.get<unknown>(`/api/runs/${runId}/blobs/${blob.sha256}`));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };
  return (
    <div className="stack" style={{ gap: 4 }} data-testid="blob-payload">
      <div className="row small">
        <span className="muted">
          <code>{path}</code>: large payload, {sizeText(blob.size)}, stored by reference
        </span>
        {content === undefined && (
          <button className="btn sm" onClick={load} disabled={loading}>
            {loading ? "Loading…" : "Load"}
          </button>
        )}
      </div>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      {content !== undefined && <Json value={content} />}
    </div>
  );
}
