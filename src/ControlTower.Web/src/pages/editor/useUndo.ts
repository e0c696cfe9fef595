import { useCallback, useEffect, useRef, useState } from "react";
import { canRedo, canUndo, record, redo, startHistory, undo, type History } from "./history";

/**
 * Undo/redo over the canvas as graph JSON: every change (move, connect, delete, config edit) lands in the history
 * after a short pause, so a drag or a typed word is one step. `restore` puts a past graph back on the canvas.
 */
export function useUndo(json: string, restore: (json: string) => void) {
  const history = useRef<History<string>>(startHistory(json));
  const latest = useRef(json);
  latest.current = json;
  const [, rendered] = useState(0);

  useEffect(() => {
    const t = setTimeout(() => {
      const next = record(history.current, json);
      if (next === history.current) return;
      history.current = next;
      rendered((n) => n + 1);
    }, 350);
    return () => clearTimeout(t);
  }, [json]);

  const step = useCallback(
    (move: (h: History<string>) => History<string>) => {
      // An edit still inside its pause is recorded first, so undo takes back exactly that edit.
      const next = move(record(history.current, latest.current));
      history.current = next;
      rendered((n) => n + 1);
      if (next.present !== latest.current) restore(next.present);
    },
    [restore],
  );

  return {
    undo: useCallback(() => step(undo), [step]),
    redo: useCallback(() => step(redo), [step]),
    canUndo: canUndo(history.current) || history.current.present !== json,
    canRedo: canRedo(history.current),
  };
}
