// Helpers over the generated contract (schema.d.ts, from the server's openapi.json).
import type { components } from "./schema";

export type Schemas = components["schemas"];

/**
 * The document marks every C# string nullable (it does not carry the records' nullable annotations), so a type
 * names the fields the server always sends; the rest keep the document's nullability.
 */
export type Present<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
