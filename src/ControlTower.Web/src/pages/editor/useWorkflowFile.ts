import { useState } from "react";
import { workflowsApi, type Graph, type WorkflowSummary } from "../../api/workflows";

/**
 * Export downloads the saved workflow as JSON; import reads a file (an export, or a bare graph) and puts it on the
 * canvas through `load`, unsaved. Either failure is kept to show in the inspector.
 */
export function useWorkflowFile(workflow: WorkflowSummary, load: (g: Graph) => void) {
  const [error, setError] = useState<unknown>(null);
  const exportJson = async () => {
    setError(null);
    try {
      const doc = await workflowsApi.export(workflow.id);
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `${workflow.name.replace(/[^\w.-]+/g, "-")}.v${workflow.latestVersion}.json`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setError(e);
    }
  };
  const importJson = async (file: File) => {
    setError(null);
    try {
      const doc = JSON.parse(await file.text()) as { graph?: Graph } & Graph;
      const g = doc.graph ?? doc;
      if (!Array.isArray(g.nodes) || !Array.isArray(g.edges)) throw new Error("The file holds no workflow graph (nodes and edges).");
      load(g);
    } catch (e) {
      setError(e);
    }
  };
  return { exportJson, importJson, error, setError };
}
