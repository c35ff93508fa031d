/**
 * The live chart: ℓ/N against the EM iteration, one line per start (screening by successive
 * halving, then the best start continuing to convergence), and one for growth (src/fit/grow.ts:
 * 1, 2, … K components, its stages end to end on the iteration axis). Points arrive in batches from the worker and
 * are drawn at most once per animation frame.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colour, chartWidth } from './palette.ts';
import type { ProgressPoint } from '../protocol.ts';

export class ProgressChart {
  private readonly plot: uPlot;
  private readonly iterations: number[] = [];
  private readonly columns: (number | null)[][];
  private readonly rowOf = new Map<number, number>();
  private scheduled = false;
  /** growth: the stage being drawn, the iterations of the stages before it, the last iteration seen */
  private growth = { components: 0, offset: 0, last: 0 };

  constructor(private readonly container: HTMLElement, starts: number) {
    container.replaceChildren();
    this.columns = Array.from({ length: starts + 1 }, () => []);
    const series: uPlot.Series[] = [
      { label: 'iteration' },
      ...Array.from({ length: starts + 1 }, (_, s) => ({
        label: s === starts ? 'growing (1…K components)' : starts > 1 ? `start ${s + 1}` : 'ℓ/N',
        stroke: colour(s),
        width: 1.6,
        spanGaps: true,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : v.toFixed(6)),
      })),
    ];
    this.plot = new uPlot(
      {
        width: chartWidth(container),
        height: 260,
        scales: { x: { time: false } },
        axes: [
          { label: 'EM iteration', labelSize: 20 },
          { label: 'ℓ/N', size: 70, labelSize: 20, values: (_u, splits) => splits.map((v) => v.toFixed(3)) },
        ],
        series,
      },
      [[], ...this.columns.map(() => [])] as uPlot.AlignedData,
      container,
    );
  }

  add(points: ProgressPoint[]): void {
    for (const point of points) {
      const p = point.phase === 'grow' ? this.growthPoint(point) : point;
      if (p.start >= this.columns.length - 1 && point.phase !== 'grow') continue;
      let row = this.rowOf.get(p.iteration);
      if (row === undefined) {
        // iterations arrive in order per start; keep x sorted by inserting where it belongs
        let at = this.iterations.length;
        while (at > 0 && this.iterations[at - 1] > p.iteration) at--;
        this.iterations.splice(at, 0, p.iteration);
        for (const c of this.columns) c.splice(at, 0, null);
        for (const [it, r] of this.rowOf) if (r >= at) this.rowOf.set(it, r + 1);
        this.rowOf.set(p.iteration, at);
        row = at;
      }
      this.columns[p.start][row] = p.logLikPerSample;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => {
        this.scheduled = false;
        this.plot.setData([this.iterations, ...this.columns] as uPlot.AlignedData);
      });
    }
  }

  /** A growth point on the growth line: its stage's iterations after those of the stages before. */
  private growthPoint(p: ProgressPoint): ProgressPoint {
    if (p.components !== this.growth.components) {
      this.growth = { components: p.components ?? 0, offset: this.growth.offset + this.growth.last, last: 0 };
    }
    this.growth.last = p.iteration;
    return { ...p, start: this.columns.length - 1, iteration: this.growth.offset + p.iteration };
  }

  resize(): void {
    this.plot.setSize({ width: chartWidth(this.container), height: 260 });
  }

  destroy(): void {
    this.plot.destroy();
  }
}
