// Credentials: list, create, replace the secret, delete, share, and rotate the encryption key. Types come from the
// server's OpenAPI document; a secret goes in and never comes back.
import { api, cached } from "../api";
import type { Present, Schemas } from "./schemas";

export type CredentialShare = Present<Schemas["CredentialShareResponse"], "createdBy">;
export type Credential = Present<Omit<Schemas["CredentialResponse"], "shares">, "name" | "credentialType"> & {
  access: "owner" | "shared";
  shares: CredentialShare[] | null;
};
export type CredentialRotation = Schemas["CredentialRotationResult"];

export const credentialsApi = {
  list: () => api.get<Credential[]>("/api/credentials"),
  /** The list from the identity's cache, for the many credential pickers of a form. */
  listCached: () => cached<Credential[]>("/api/credentials"),
  create: (body: Schemas["CreateCredentialRequest"]) => api.post<Credential>("/api/credentials", body),
  replace: (id: string, body: Schemas["UpdateCredentialRequest"]) => api.put<Credential>(`/api/credentials/${id}`, body),
  remove: (id: string) => api.del<void>(`/api/credentials/${id}`),
  share: (id: string, body: Schemas["ShareCredentialRequest"]) => api.post<CredentialShare>(`/api/credentials/${id}/shares`, body),
  unshare: (id: string, shareId: string) => api.del<void>(`/api/credentials/${id}/shares/${shareId}`),
  rotateKeys: () => api.post<CredentialRotation>("/api/credentials/rotate", {}),
  /** The workflows whose latest version names it (those the caller may read) and its recent audited uses. */
  usage: (id: string) => api.get<Schemas["CredentialUsageResponse"]>(`/api/credentials/${id}/usage`),
  /** Opens a session with the credential's MCP server using it (an audited use); only for a credential bound to a server. */
  test: (id: string) => api.post<Schemas["CredentialTestResult"]>(`/api/credentials/${id}/test`, {}),
};
