// Who is signed in. Types come from the server's OpenAPI document.
import { api } from "../api";
import type { Present, Schemas } from "./schemas";

export type Me = Present<Schemas["MeResponse"], "name" | "role" | "authenticatedBy" | "mode">;

export const identityApi = {
  me: () => api.get<Me>("/api/me"),
};
