import { mcpApi } from "../../api/mcp";
import { ProbeButton } from "../../ProbeButton";

/** "Test connection": opens a session with the server and says whether it worked, how fast, and why not. */
export function TestConnection({ serverId, name }: { serverId: string; name: string }) {
  return (
    <ProbeButton
      label="Test connection"
      ariaLabel={`Test the connection to ${name}`}
      testId="test-connection"
      resultTestId="test-result"
      run={() => mcpApi.test(serverId)}
      describe={(r) => `connected: ${r.tools} tools in ${Math.round(Number(r.milliseconds))} ms`}
    />
  );
}
