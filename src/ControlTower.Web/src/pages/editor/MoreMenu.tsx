import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from "react";

/**
 * How many of a one-row bar's `total` foldable actions stay inline: one fewer at a time while its content is wider than
 * the bar (each step re-measures before paint), and all again once the bar grows past the width it last folded at.
 * `content` lists what else changes the content's width.
 */
export function useFolding(bar: RefObject<HTMLElement | null>, total: number, content: unknown[]): number {
  const [inline, setInline] = useState(total);
  const foldedAt = useRef(Number.POSITIVE_INFINITY);
  useLayoutEffect(() => {
    const el = bar.current;
    if (!el) return;
    const check = () => {
      if (el.scrollWidth > el.clientWidth + 1 && inline > 0) {
        foldedAt.current = el.clientWidth;
        setInline(inline - 1);
      } else if (inline < total && el.clientWidth > foldedAt.current) {
        foldedAt.current = Number.POSITIVE_INFINITY;
        setInline(total);
      }
    };
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    return () => observer.disconnect();
    // The caller lists what changes the content's width.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [bar, inline, total, ...content]);
  return Math.min(inline, total);
}

export interface MenuAction {
  label: string;
  onSelect: () => void;
  disabled?: boolean;
  testId?: string;
  title?: string;
  /** A toggle's state: a pressed button inline, a checked item in the menu. */
  pressed?: boolean;
}

/**
 * A toolbar's overflow: a "More" button opening a menu of actions. Opening focuses the first item; arrow keys move,
 * Escape closes and gives focus back to the button, and a click elsewhere closes it.
 */
export function MoreMenu({ actions, label = "More" }: { actions: MenuAction[]; label?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>("[role^=menuitem]:not(:disabled)")?.focus();
    const onDown = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      setOpen(false);
      button.current?.focus();
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    e.preventDefault();
    const items = [...(root.current?.querySelectorAll<HTMLButtonElement>("[role^=menuitem]:not(:disabled)") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
  };
  return (
    <div className="more-menu" ref={root} onKeyDown={onKeyDown}>
      <button
        ref={button}
        className="btn sm"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="toolbar-more"
      >
        {label} ▾
      </button>
      {open && (
        <div className="more-menu-list" role="menu" data-testid="toolbar-more-menu">
          {actions.map((a) => (
            <button
              key={a.label}
              role={a.pressed === undefined ? "menuitem" : "menuitemcheckbox"}
              aria-checked={a.pressed}
              className="more-menu-item"
              disabled={a.disabled}
              title={a.title}
              data-testid={a.testId}
              onClick={() => {
                setOpen(false);
                a.onSelect();
              }}
            >
              {a.pressed !== undefined && <span aria-hidden="true">{a.pressed ? "✓ " : "  "}</span>}
              {a.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
