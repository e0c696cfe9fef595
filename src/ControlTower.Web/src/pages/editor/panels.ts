import { useCallback, useState } from "react";

// Which side panels of the editor are open: remembered in this tab; by default folded on narrow screens.
const key = "ct.editor.panels";
export type PanelName = "palette" | "inspector";

export function usePanels(): [Record<PanelName, boolean>, (p: PanelName, value?: boolean) => void] {
  const [open, setOpen] = useState<Record<PanelName, boolean>>(() => {
    try {
      const saved = JSON.parse(sessionStorage.getItem(key) ?? "null") as Record<PanelName, boolean> | null;
      if (saved) return saved;
    } catch {
      sessionStorage.removeItem(key);
    }
    const wide = window.innerWidth >= 1280;
    return { palette: wide, inspector: wide };
  });
  // Unchanged stays the same object: selection events call this often, and a new object would render again.
  const set = useCallback(
    (p: PanelName, value?: boolean) =>
      setOpen((o) => {
        if (value !== undefined && o[p] === value) return o;
        const next = { ...o, [p]: value ?? !o[p] };
        sessionStorage.setItem(key, JSON.stringify(next));
        return next;
      }),
    [],
  );
  return [open, set];
}
