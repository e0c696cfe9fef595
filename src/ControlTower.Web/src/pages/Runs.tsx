import { PageHeader } from "../ui";
import { RunsList } from "./runs/RunsList";

export function RunsPage() {
  return (
    <>
      <PageHeader
        title="Runs"
        subtitle="Every execution, live and past. Filter, select to cancel or retry in bulk, or open one to watch it."
      />
      <RunsList />
    </>
  );
}
