/**
 * Component weights as bars (fitted α̂_k, one colour per component), their Wald intervals as
 * error bars when the fit has standard errors, the matched true α as hollow markers when known.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colour, chartWidth } from './palette.ts';

export function weightsChart(container: HTMLElement, alpha: number[], trueAlpha?: (number | null)[], intervals?: ([number, number] | null)[]): uPlot {
  const K = alpha.length;
  const ks = Array.from({ length: K }, (_, k) => k + 1);
  const top = Math.max(...alpha, ...(trueAlpha ?? []).map((a) => a ?? 0), ...(intervals ?? []).map((v) => v?.[1] ?? 0));
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
            const px = devicePixelRatio;
            alpha.forEach((a, k) => {
              const x = u.valToPos(k + 1, 'x', true);
              const ci = intervals?.[k];
              // the label sits above the bar or its interval, whichever is higher
              const top = ci ? Math.max(a, ci[1]) : a;
              ctx.fillText(a.toFixed(3), x, u.valToPos(top, 'y', true) - 3 * px);
              if (!ci) return;
              const [y0, y1] = [u.valToPos(Math.max(ci[0], 0), 'y', true), u.valToPos(ci[1], 'y', true)];
              ctx.strokeStyle = '#111827';
              ctx.lineWidth = 1.5 * px;
              ctx.beginPath();
              for (const [xa, ya, xb, yb] of [[x, y0, x, y1], [x - 5 * px, y0, x + 5 * px, y0], [x - 5 * px, y1, x + 5 * px, y1]]) {
                ctx.moveTo(xa, ya);
                ctx.lineTo(xb, yb);
              }
              ctx.stroke();
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
