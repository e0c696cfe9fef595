import { createContext } from "react";
import type { RunData } from "./pages/editor/suggest";

/** The last run's input and node outputs, when the editor has them: expression fields complete paths from it. */
export const ExpressionData = createContext<RunData | null>(null);
