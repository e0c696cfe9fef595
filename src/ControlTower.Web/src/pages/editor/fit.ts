// Fit-to-view that stays readable: a graph too wide for the canvas is shown from its start (left) at a zoom where
// node cards can still be read, instead of being shrunk to dots; the minimap shows the rest.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The smallest zoom a fit goes to: a 180 px node card stays 135 px wide. */
export const readableZoom = 0.75;
/** The smallest zoom a person can reach with the wheel or the controls. */
export const minZoom = 0.4;

export function readableViewport(bounds: Rect, box: { width: number; height: number }, padding = 40, maxZoom = 1): Viewport {
  const room = { width: Math.max(1, box.width - 2 * padding), height: Math.max(1, box.height - 2 * padding) };
  const fit = Math.min(room.width / Math.max(1, bounds.width), room.height / Math.max(1, bounds.height), maxZoom);
  const zoom = Math.max(fit, readableZoom);
  const along = (start: number, size: number, space: number, total: number) =>
    size * zoom <= space ? (total - size * zoom) / 2 - start * zoom : padding - start * zoom;
  return {
    x: along(bounds.x, bounds.width, room.width, box.width),
    y: along(bounds.y, bounds.height, room.height, box.height),
    zoom,
  };
}
