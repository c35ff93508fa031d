/**
 * The K sweep of "Choose K": validation ℓ/N (left axis) and BIC of the training fit (right
 * axis) against K, a point per candidate as it is scored; a dashed line marks the chosen K.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colour, chartWidth } from './palette.ts';
import type { SelectionRow } from '../../src/fit/select.ts';

const HEIGHT = 260;

export class SelectChart {
  private readonly plot: uPlot;
  private readonly rows: SelectionRow[] = [];
  private chosen: number | null = null;

  constructor(private readonly container: HTMLElement, Kmax: number) {
    container.replaceChildren();
    const line = (label: string, scale: string, c: string, digits: number): uPlot.Series => ({
      label,
      scale,
      stroke: c,
      width: 1.6,
      points: { show: true, size: 7, fill: c },
      value: (_u, v) => (v === null ? '—' : v.toFixed(digits)),
    });
    this.plot = new uPlot(
      {
        width: chartWidth(container),
        height: HEIGHT,
        scales: { x: { time: false, range: [0.5, Kmax + 0.5] } },
        axes: [
          { label: 'K (components)', labelSize: 20, splits: () => Array.from({ length: Kmax }, (_, i) => i + 1), values: (_u, s) => s.map(String) },
          { label: 'validation ℓ/N', scale: 'y', size: 70, labelSize: 20, stroke: colour(0), values: (_u, s) => s.map((v) => v.toFixed(3)) },
          { label: 'BIC (training fit)', scale: 'bic', side: 1, size: 80, labelSize: 20, stroke: colour(1), grid: { show: false }, values: (_u, s) => s.map((v) => v.toExponential(2)) },
        ],
        series: [{ label: 'K' }, line('validation ℓ/N', 'y', colour(0), 6), line('BIC', 'bic', colour(1), 0)],
        hooks: { draw: [(u) => this.drawChosen(u)] },
      },
      [[], [], []],
      container,
    );
  }

  add(row: SelectionRow): void {
    this.rows.push(row);
    this.rows.sort((a, b) => a.K - b.K);
    this.plot.setData([this.rows.map((r) => r.K), this.rows.map((r) => r.validationLogLikPerSample), this.rows.map((r) => r.bic)]);
  }

  /** Marks the chosen K (redraws). */
  markChosen(K: number): void {
    this.chosen = K;
    this.plot.redraw();
  }

  private drawChosen(u: uPlot): void {
    if (this.chosen === null) return;
    const x = u.valToPos(this.chosen, 'x', true);
    const { top, height } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#111827';
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#111827';
    ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(`chosen K = ${this.chosen}`, x + 4 * devicePixelRatio, top + 4 * devicePixelRatio);
    ctx.restore();
  }

  resize(): void {
    this.plot.setSize({ width: chartWidth(this.container), height: HEIGHT });
  }

  destroy(): void {
    this.plot.destroy();
  }
}
