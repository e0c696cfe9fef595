// Expressions: the server's check of a CEL expression or template. Types come from the server's OpenAPI document.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export type Diagnostic = Present<Schemas["CelDiagnostic"], "code" | "message">;

export const expressionsApi = {
  validate: (body: Schemas["ValidateExpressionRequest"]) => api.post<{ diagnostics: Diagnostic[] }>("/api/expressions/validate", body),
};
