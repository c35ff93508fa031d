/** Component weights as bars (fitted α̂_k, one colour per component), the matched true α as hollow markers when known. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colour, chartWidth } from './palette.ts';

export function weightsChart(container: HTMLElement, alpha: number[], trueAlpha?: (number | null)[]): uPlot {
  const K = alpha.length;
  const ks = Array.from({ length: K }, (_, k) => k + 1);
  const top = Math.max(...alpha, ...(trueAlpha ?? []).map((a) => a ?? 0));
  const bars = uPlot.paths.bars!({
    size: [0.6, 70],
    disp: { fill: { unit: 3, values: (_u, _s, i0, i1) => ks.slice(i0, i1 + 1).map((k) => colour(k - 1)) } },
  });
  const series: uPlot.Series[] = [{ label: 'component' }, { label: 'fitted α̂', fill: colour(0), width: 0, paths: bars, points: { show: false } }];
  const data: (number | null)[][] = [ks, alpha];
  if (trueAlpha) {
    series.push({ label: 'true α', stroke: '#111827', width: 0, paths: () => null, points: { show: true, size: 11, width: 2, stroke: '#111827', fill: '#ffffff' } });
    data.push(trueAlpha);
  }
  return new uPlot(
    {
      width: chartWidth(container, 420),
      height: 250,
      legend: { show: !!trueAlpha, live: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [0.4, K + 0.6] }, y: { range: [0, top * 1.18 || 1] } },
      axes: [
        { label: 'component', labelSize: 20, splits: () => ks, values: (_u, s) => s.map(String), grid: { show: false } },
        { label: 'weight', size: 55, labelSize: 20, values: (_u, s) => s.map((v) => v.toFixed(2)) },
      ],
      series,
      hooks: {
        // the value above each bar
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            ctx.fillStyle = '#374151';
            ctx.textAlign = 'center';
            ctx.textBaseline = 'bottom';
            alpha.forEach((a, k) => ctx.fillText(a.toFixed(3), u.valToPos(k + 1, 'x', true), u.valToPos(a, 'y', true) - 3 * devicePixelRatio));
            ctx.restore();
          },
        ],
      },
    },
    data as uPlot.AlignedData,
    container,
  );
}
