/** A payload the server stored by reference (BLOB_THRESHOLD_BYTES): `{"$blob": {sha256, size, mediaType}}`. */
export interface BlobRef {
  sha256: string;
  size: number;
  mediaType: string;
}

export function asBlobRef(value: unknown): BlobRef | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1 || entries[0][0] !== "$blob") return null;
  const body = entries[0][1] as Partial<BlobRef> | null;
  return body && typeof body.sha256 === "string" && /^[0-9a-f]{64}$/.test(body.sha256) && typeof body.size === "number"
    ? { sha256: body.sha256, size: body.size, mediaType: typeof body.mediaType === "string" ? body.mediaType : "application/json" }
    : null;
}

/** Every reference inside a value (a node's input holds the run input and upstream outputs), with where it sits. */
export function findBlobRefs(value: unknown, path = ""): { path: string; ref: BlobRef }[] {
  const ref = asBlobRef(value);
  if (ref) return [{ path: path || "(whole value)", ref }];
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => findBlobRefs(child, path ? `${path}.${key}` : key));
}

export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
