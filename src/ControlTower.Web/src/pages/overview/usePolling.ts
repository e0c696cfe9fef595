import { useEffect, useRef, useState } from "react";

/** Loads now and again every `intervalMs` while mounted; keeps the last good data when a refresh fails. */
export function usePolling<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: unknown[],
): { data: T | null; error: unknown; refreshedAt: Date | null } {
  const [state, setState] = useState<{ data: T | null; error: unknown; refreshedAt: Date | null }>({
    data: null,
    error: null,
    refreshedAt: null,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    const tick = () =>
      loadRef.current().then(
        (data) => live && setState({ data, error: null, refreshedAt: new Date() }),
        (error) => live && setState((s) => ({ ...s, error })),
      );
    tick();
    const timer = window.setInterval(tick, intervalMs);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
    // The caller lists what the load depends on.
  }, [intervalMs, ...deps]);
  return state;
}
