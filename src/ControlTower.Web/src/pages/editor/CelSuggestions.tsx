import { useContext, useState, type RefObject } from "react";
import { ExpressionData } from "../../expressionData";
import { applySuggestion, suggest } from "./suggest";

/** Completions under an expression field for the path being typed, from the last run's data (see suggest.ts). */
export function CelSuggestions({
  field,
  value,
  cursor,
  onPick,
}: {
  field: RefObject<HTMLTextAreaElement | null>;
  value: string;
  cursor: number | null;
  onPick: (text: string) => void;
}) {
  const data = useContext(ExpressionData);
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (!data || cursor === null || dismissed === value) return null;
  const found = suggest(value, cursor, data);
  if (!found) return null;
  const pick = (item: string) => {
    const next = applySuggestion(value, cursor, found.from, item);
    onPick(next.text);
    requestAnimationFrame(() => {
      field.current?.focus();
      field.current?.setSelectionRange(next.cursor, next.cursor);
    });
  };
  return (
    <ul
      className="cel-suggestions"
      role="listbox"
      aria-label="Fields from the last run"
      data-testid="cel-suggestions"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          setDismissed(value);
          field.current?.focus();
        }
      }}
    >
      {found.items.map((item) => (
        <li key={item} role="option" aria-selected="false">
          <button type="button" className="mono" onMouseDown={(e) => e.preventDefault()} onClick={() => pick(item)}>
            {item}
          </button>
        </li>
      ))}
    </ul>
  );
}
