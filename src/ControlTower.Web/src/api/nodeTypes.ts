// Node types: the catalog the editor's palette and forms are built from. The document gives the list only as a JSON
// array, so its shape is spelled out here (Core/Nodes/NodeTypeCatalog).
import { api } from "../api";

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  description?: string;
  title?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | JsonSchema;
  "x-cel"?: boolean | string;
  [k: string]: unknown;
}
export interface NodeType {
  type: string;
  category: string;
  displayName: string;
  description: string;
  inputHandles: string[];
  outputHandles: string[];
  errorHandle: string | null;
  configSchema: JsonSchema;
  hasSideEffects: boolean;
  [k: string]: unknown;
}

export const nodeTypesApi = {
  list: () => api.get<NodeType[]>("/api/node-types"),
};
