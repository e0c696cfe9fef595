import { lazy, Suspense, useLayoutEffect, useState } from "react";

// The palette and its workflow list load on first use, so the first page load does not carry them.
const CommandPalette = lazy(() => import("./CommandPalette"));

/** Opens the command palette on Ctrl+K (⌘K) from anywhere, or from the top bar's button. */
export function PaletteHost({ pages }: { pages: { to: string; label: string }[] }) {
  const [open, setOpen] = useState(false);
  // A layout effect, so the shortcut works from the moment the button is on screen.
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <>
      <button
        className="btn ghost sm"
        onClick={() => setOpen(true)}
        aria-keyshortcuts="Control+K"
        title="Command palette (Ctrl+K)"
        data-testid="palette-button"
      >
        ⌘K
      </button>
      {open && (
        <Suspense fallback={null}>
          <CommandPalette pages={pages} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
