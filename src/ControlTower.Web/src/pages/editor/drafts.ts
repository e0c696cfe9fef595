// Unsaved canvas edits kept in this browser per workflow, so a reload or a closed tab loses nothing.

export interface LocalDraft {
  version: number;
  graph: string;
  savedAt: string;
}

const key = (workflowId: string) => `ct.draft.${workflowId}`;

/** The draft of this workflow made on top of `version`; a draft of an older version is stale and dropped. */
export function readDraft(workflowId: string, version: number): LocalDraft | null {
  try {
    const raw = localStorage.getItem(key(workflowId));
    const draft = raw ? (JSON.parse(raw) as LocalDraft) : null;
    if (draft && draft.version === version && typeof draft.graph === "string") return draft;
    if (draft) localStorage.removeItem(key(workflowId));
  } catch {
    localStorage.removeItem(key(workflowId));
  }
  return null;
}

export function writeDraft(workflowId: string, draft: LocalDraft | null): void {
  try {
    if (draft) localStorage.setItem(key(workflowId), JSON.stringify(draft));
    else localStorage.removeItem(key(workflowId));
  } catch {
    // Storage full or disabled: the canvas still works, only the safety net is gone.
  }
}
