/**
 * The atoms in the principal plane (see projection.ts): fitted atoms as filled dots in
 * their component's colour, the true atoms (when known) as hollow black rings joined to
 * the fitted atom they are matched with. Same scale on both axes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colour, chartWidth } from './palette.ts';

export interface AtomPoints {
  fitted: [number, number][];
  /** true atoms, and for each the index of its matched fitted atom */
  truth?: { points: [number, number][]; matchedTo: number[] };
}

export function atomsChart(container: HTMLElement, atoms: AtomPoints, axisLabels: [string, string]): uPlot {
  const K = atoms.fitted.length;
  const all = [...atoms.fitted, ...(atoms.truth?.points ?? [])];
  // one x column for every point, sorted; each series has a value only at its own points
  const order = all.map((_, i) => i).sort((a, b) => all[a][0] - all[b][0]);
  const xs = order.map((i) => all[i][0]);
  const column = (owns: (i: number) => boolean) => order.map((i) => (owns(i) ? all[i][1] : null));
  const data: (number | null)[][] = [xs];
  const series: uPlot.Series[] = [{ label: 'axis 1' }];
  for (let k = 0; k < K; k++) {
    data.push(column((i) => i === k));
    series.push({ label: `component ${k + 1}`, stroke: colour(k), paths: () => null, points: { show: true, size: 12, width: 0, fill: colour(k), stroke: colour(k) } });
  }
  if (atoms.truth) {
    data.push(column((i) => i >= K));
    series.push({ label: 'true atoms', stroke: '#111827', paths: () => null, points: { show: true, size: 15, width: 2, fill: 'rgba(255,255,255,0)', stroke: '#111827' } });
  }
  const R = 1.2 * Math.max(1e-9, ...all.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y))));
  const side = Math.min(chartWidth(container, 420), 440);
  return new uPlot(
    {
      width: side,
      height: side - 5,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-R, R] }, y: { range: [-R, R] } },
      axes: [
        { label: axisLabels[0], labelSize: 20, size: 40 },
        { label: axisLabels[1], labelSize: 20, size: 45 },
      ],
      series,
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const px = (x: number, y: number): [number, number] => [u.valToPos(x, 'x', true), u.valToPos(y, 'y', true)];
            const dpr = devicePixelRatio;
            ctx.save();
            // the origin: θ = 0
            const [ox, oy] = px(0, 0);
            ctx.strokeStyle = '#9ca3af';
            ctx.lineWidth = dpr;
            ctx.beginPath();
            ctx.moveTo(ox - 6 * dpr, oy);
            ctx.lineTo(ox + 6 * dpr, oy);
            ctx.moveTo(ox, oy - 6 * dpr);
            ctx.lineTo(ox, oy + 6 * dpr);
            ctx.stroke();
            // true atom → its matched fitted atom
            if (atoms.truth) {
              ctx.setLineDash([4 * dpr, 3 * dpr]);
              ctx.strokeStyle = '#6b7280';
              atoms.truth.points.forEach(([x, y], k) => {
                const f = atoms.fitted[atoms.truth!.matchedTo[k]];
                if (!f) return;
                ctx.beginPath();
                ctx.moveTo(...px(x, y));
                ctx.lineTo(...px(f[0], f[1]));
                ctx.stroke();
              });
              ctx.setLineDash([]);
            }
            // component numbers
            ctx.font = `600 ${12 * dpr}px system-ui, sans-serif`;
            ctx.textBaseline = 'middle';
            atoms.fitted.forEach(([x, y], k) => {
              const [cx, cy] = px(x, y);
              ctx.fillStyle = colour(k);
              ctx.fillText(String(k + 1), cx + 9 * dpr, cy - 9 * dpr);
            });
            ctx.restore();
          },
        ],
      },
    },
    data as uPlot.AlignedData,
    container,
  );
}
