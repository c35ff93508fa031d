/** Colours: one per component (and per start in the progress chart), cycling after ten. */
const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#b45309'];

export function colour(i: number): string {
  return COLOURS[((i % COLOURS.length) + COLOURS.length) % COLOURS.length];
}

/** Width for a chart in `container`, measured after layout, with a floor for hidden or tiny containers. */
export function chartWidth(container: HTMLElement, fallback = 600): number {
  const w = container.clientWidth;
  return w > 100 ? w : fallback;
}
