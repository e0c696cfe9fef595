// Auto-arrange: the planner's layered left-to-right layout (Core's Planning/GraphLayout), the same algorithm in TS.
// Layers by longest path from the sources, order within a layer by the barycentre of the neighbours (a few sweeps
// down and up), then a grid centred on the widest layer. Deterministic: ties keep document order.

export interface LayoutEdge {
  source: string;
  target: string;
}
export interface Point {
  x: number;
  y: number;
}

export const columnWidth = 260;
export const rowHeight = 150;
const sweeps = 4;

/** A position for each node id, for nodes in the given (document) order. */
export function arrange(ids: string[], edges: LayoutEdge[]): Map<string, Point> {
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (!index.has(id)) index.set(id, i);
  });
  const seen = new Set<string>();
  const links: [number, number][] = [];
  for (const e of edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t || seen.has(`${s}>${t}`)) continue;
    seen.add(`${s}>${t}`);
    links.push([s, t]);
  }
  const order = orderWithin(layers(ids.length, links), links);
  const tallest = Math.max(0, ...order.map((l) => l.length));
  const positions = new Map<string, Point>();
  order.forEach((layer, l) => {
    const offset = ((tallest - layer.length) * rowHeight) / 2;
    layer.forEach((n, k) => positions.set(ids[n], { x: l * columnWidth, y: offset + k * rowHeight }));
  });
  return positions;
}

/** Longest-path layer of each node; nodes on a cycle keep the layer reached so far. */
export function layers(count: number, links: [number, number][]): number[] {
  const indegree = new Array<number>(count).fill(0);
  const next: number[][] = Array.from({ length: count }, () => []);
  for (const [s, t] of links) {
    next[s].push(t);
    indegree[t]++;
  }
  const layer = new Array<number>(count).fill(0);
  const queue: number[] = [];
  for (let i = 0; i < count; i++) if (indegree[i] === 0) queue.push(i);
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const t of next[n]) {
      layer[t] = Math.max(layer[t], layer[n] + 1);
      if (--indegree[t] === 0) queue.push(t);
    }
  }
  return layer;
}

function orderWithin(layer: number[], links: [number, number][]): number[][] {
  const depth = layer.length === 0 ? 0 : Math.max(...layer) + 1;
  const order: number[][] = Array.from({ length: depth }, (_, l) => layer.flatMap((x, i) => (x === l ? [i] : [])));
  const position = new Array<number>(layer.length).fill(0);
  const number = () =>
    order.forEach((l) =>
      l.forEach((n, k) => {
        position[n] = k;
      }),
    );
  number();
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const down = sweep % 2 === 0;
    const range = down ? [...Array(Math.max(0, depth - 1)).keys()].map((l) => l + 1) : [...Array(Math.max(0, depth - 1)).keys()].reverse();
    for (const l of range) {
      const keyed = order[l].map((n) => {
        const neighbours = down ? links.filter(([, t]) => t === n).map(([s]) => s) : links.filter(([s]) => s === n).map(([, t]) => t);
        const key = neighbours.length === 0 ? position[n] : neighbours.reduce((a, x) => a + position[x], 0) / neighbours.length;
        return { n, key };
      });
      keyed.sort((a, b) => a.key - b.key || position[a.n] - position[b.n]);
      order[l] = keyed.map((k) => k.n);
      order[l].forEach((n, k) => {
        position[n] = k;
      });
    }
  }
  return order;
}
