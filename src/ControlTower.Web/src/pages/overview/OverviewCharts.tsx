import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ErrorCount, SummaryPoint } from "../../api/operations";

// The Overview's charts, in their own chunk: recharts loads only when the page opens.

const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
const points = (series: SummaryPoint[]) => series.map((p) => ({ ...p, t: new Date(p.at).getTime() }));

function Frame({ title, testId, children }: { title: string; testId: string; children: React.ReactElement }) {
  return (
    <div className="card card-pad overview-chart" data-testid={testId}>
      <h3>{title}</h3>
      <ResponsiveContainer width="100%" height={200}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

const axis = { stroke: "var(--text-muted)", fontSize: 11 };

export function ThroughputChart({ series }: { series: SummaryPoint[] }) {
  return (
    <Frame title="Runs finished" testId="chart-throughput">
      <BarChart data={points(series)} margin={{ top: 8, right: 16, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} tickFormatter={clock} {...axis} />
        <YAxis allowDecimals={false} {...axis} />
        <Tooltip labelFormatter={(t) => clock(Number(t))} />
        <Legend />
        <Bar dataKey="completed" stackId="runs" fill="#1a7f4b" isAnimationActive={false} />
        <Bar dataKey="failed" stackId="runs" fill="#c2342c" isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

export function LatencyChart({ series }: { series: SummaryPoint[] }) {
  return (
    <Frame title="Run latency (ms)" testId="chart-latency">
      <LineChart data={points(series)} margin={{ top: 8, right: 16, bottom: 0, left: -8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} tickFormatter={clock} {...axis} />
        <YAxis {...axis} />
        <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => (typeof v === "number" ? v.toFixed(1) : String(v))} />
        <Legend />
        <Line dataKey="p50" stroke="#3b82f6" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        <Line dataKey="p95" stroke="#f59e0b" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        <Line dataKey="p99" stroke="#c2342c" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function QueueChart({ series }: { series: SummaryPoint[] }) {
  return (
    <Frame title="Queue depth and saturation" testId="chart-queue">
      <LineChart data={points(series)} margin={{ top: 8, right: 0, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} tickFormatter={clock} {...axis} />
        <YAxis yAxisId="depth" allowDecimals={false} {...axis} />
        <YAxis yAxisId="saturation" orientation="right" domain={[0, 1]} {...axis} />
        <Tooltip labelFormatter={(t) => clock(Number(t))} />
        <Legend />
        <Line yAxisId="depth" dataKey="dueTasks" name="due tasks" stroke="#4058d8" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        <Line
          yAxisId="saturation"
          dataKey="saturation"
          name="worker saturation"
          stroke="#a855f7"
          dot={{ r: 2 }}
          isAnimationActive={false}
        />
      </LineChart>
    </Frame>
  );
}

export function ErrorsChart({ errors }: { errors: ErrorCount[] }) {
  return (
    <Frame title="Failures by code" testId="chart-errors">
      <BarChart data={errors.slice(0, 8)} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 24 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis type="number" allowDecimals={false} {...axis} />
        <YAxis type="category" dataKey="code" width={140} {...axis} />
        <Tooltip />
        <Bar dataKey="count" fill="#c2342c" isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}
