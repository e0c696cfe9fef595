import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, BarChart, Bar } from "recharts";
import type { MetricPoint, ReliabilityBin, StageChange } from "../api/trust";

// The charts of the Trust page, in their own chunk: recharts loads only when someone opens a scope or a model card.

const time = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** Each metric's lower bound against the current stage's threshold, stage changes marked where they happened. */
export function TrustOverTime({
  series,
  changes,
  thresholds,
}: {
  series: MetricPoint[];
  changes: StageChange[];
  thresholds: { reliability: number; alignment: number };
}) {
  const data = series.map((p) => ({ ...p, t: new Date(p.at).getTime() }));
  return (
    <div className="trust-chart" data-testid="trust-over-time">
      <ResponsiveContainer width="100%" height={280}>
        <LineChart data={data} margin={{ top: 16, right: 24, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="t"
            type="number"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(t: number) => time(new Date(t).toISOString())}
            stroke="var(--text-muted)"
            fontSize={11}
          />
          <YAxis domain={[0, 1]} stroke="var(--text-muted)" fontSize={11} />
          <Tooltip
            labelFormatter={(t) => time(new Date(Number(t)).toISOString())}
            formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))}
          />
          <Legend />
          <Line
            type="monotone"
            dataKey="reliabilityLower"
            name="reliability (lower bound)"
            stroke="#3b82f6"
            dot={{ r: 2 }}
            connectNulls
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="alignmentLower"
            name="alignment (lower bound)"
            stroke="#10b981"
            dot={{ r: 2 }}
            connectNulls
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="overrideRate"
            name="override rate"
            stroke="#f59e0b"
            dot={{ r: 2 }}
            connectNulls
            isAnimationActive={false}
          />
          <Line type="monotone" dataKey="ece" name="ECE" stroke="#a855f7" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <ReferenceLine
            y={thresholds.reliability}
            stroke="#3b82f6"
            strokeDasharray="6 3"
            label={{ value: "reliability threshold", fontSize: 10, fill: "#3b82f6", position: "insideTopLeft" }}
          />
          <ReferenceLine
            y={thresholds.alignment}
            stroke="#10b981"
            strokeDasharray="6 3"
            label={{ value: "alignment threshold", fontSize: 10, fill: "#10b981", position: "insideBottomLeft" }}
          />
          {changes.map((c) => (
            <ReferenceLine
              key={c.id}
              x={new Date(c.at).getTime()}
              stroke="var(--text-muted)"
              label={{ value: `${c.from}→${c.to} (${c.rule})`, fontSize: 10, angle: -90, position: "insideTopRight" }}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Predicted against observed, per bin: a calibrated model follows the diagonal. */
export function ReliabilityDiagram({ bins }: { bins: ReliabilityBin[] }) {
  const data = bins.map((b) => ({ predicted: b.meanPredicted, observed: b.observedRate, ideal: b.meanPredicted }));
  return (
    <div data-testid="reliability-diagram">
      <ResponsiveContainer width="100%" height={160}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="predicted" type="number" domain={[0, 1]} fontSize={10} stroke="var(--text-muted)" />
          <YAxis domain={[0, 1]} fontSize={10} stroke="var(--text-muted)" />
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))} />
          <Line dataKey="ideal" name="perfect" stroke="var(--text-muted)" strokeDasharray="4 4" dot={false} isAnimationActive={false} />
          <Line dataKey="observed" name="observed" stroke="#3b82f6" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function Importances({ items }: { items: { feature: string; importance: number }[] }) {
  const data = items.slice(0, 8);
  return (
    <div data-testid="feature-importances">
      <ResponsiveContainer width="100%" height={Math.max(80, data.length * 22)}>
        <BarChart data={data} layout="vertical" margin={{ top: 0, right: 8, bottom: 0, left: 8 }}>
          <XAxis type="number" hide />
          <YAxis type="category" dataKey="feature" width={140} fontSize={10} stroke="var(--text-muted)" />
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))} />
          <Bar dataKey="importance" fill="#3b82f6" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
