import { useMemo, useRef } from "react";
import { useCommands, type Command } from "../palette/commands";

interface Entry {
  key: string;
  label: string;
  hint: string;
}
interface Actions<E extends Entry> {
  add: (entry: E) => void;
  run: () => void;
  save: () => void;
  arrange: () => void;
  fit: () => void;
}

/** The editor's commands in the Ctrl+K palette: add any palette node at the centre, run, save, arrange, fit. */
export function useEditorCommands<E extends Entry>(
  palette: { title: string; entries: E[] }[],
  actions: Actions<E>,
  canWrite: boolean,
  canRun: boolean,
): void {
  // The actions close over the canvas state; the palette calls the latest ones without re-registering every render.
  const latest = useRef(actions);
  latest.current = actions;
  const commands = useMemo<Command[]>(
    () => [
      ...(canRun ? [{ id: "editor:run", group: "This workflow", label: "Run this workflow…", run: () => latest.current.run() }] : []),
      ...(canWrite
        ? [
            { id: "editor:save", group: "This workflow", label: "Save version…", run: () => latest.current.save() },
            { id: "editor:arrange", group: "This workflow", label: "Auto-arrange the canvas", run: () => latest.current.arrange() },
          ]
        : []),
      { id: "editor:fit", group: "This workflow", label: "Fit the canvas to the view", run: () => latest.current.fit() },
      ...(canWrite
        ? palette.flatMap((g) =>
            g.entries.map((e) => ({
              id: `editor:add:${e.key}`,
              group: "Add node",
              label: `Add ${e.label}`,
              hint: `${g.title} · ${e.hint}`.slice(0, 90),
              run: () => latest.current.add(e),
            })),
          )
        : []),
    ],
    [palette, canWrite, canRun],
  );
  useCommands("editor", commands);
}
