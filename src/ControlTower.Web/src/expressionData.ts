import { createContext } from "react";
import type { RunData } from "./pages/editor/suggest";

/**
 * The last run's input and node outputs, when the editor has them: expression fields complete paths from it, and
 * show what the expression evaluates to on that run (`runId`, evaluated by the server).
 */
export const ExpressionData = createContext<(RunData & { runId?: string }) | null>(null);
