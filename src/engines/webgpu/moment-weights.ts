/**
 * Wrapper of shaders/moment-weights.wgsl: per-row weights for the latent moments
 * (n_j, n_j t_j^r, n_j y_jk) and their column-sum partials, for one row slice.
 */
import momentWeightsWgsl from '../../../shaders/moment-weights.wgsl?raw';
import columnTreeWgsl from '../../../shaders/column-tree.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';

export const momentWeightsShader: ShaderSource = { name: 'moment-weights.wgsl', code: `${momentWeightsWgsl}\n${columnTreeWgsl}` };
export const MOMENT_WEIGHTS_GROUP = 256;

export interface MomentWeightsArgs {
  /** the chunk's counts, read from row `rowStart` */
  counts: GPUBuffer;
  rowStart: number;
  rows: number;
  /** output weights (rows × K) */
  w: GPUBuffer;
  /** output partials, K floats each, this slice's first at index outOffset */
  partials: GPUBuffer;
  outOffset: number;
}

export class MomentWeightsKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: { counts: GPUComputePipeline; powers: GPUComputePipeline; scaled: GPUComputePipeline },
  ) {}

  static async load(device: GPUDevice): Promise<MomentWeightsKernel> {
    const [counts, powers, scaled] = await Promise.all(
      ['countWeights', 'powers', 'scaled'].map((e) => getPipeline(device, momentWeightsShader, e)),
    );
    return new MomentWeightsKernel(device, { counts, powers, scaled });
  }

  static partialCount(rows: number): number {
    return ceilDiv(rows, MOMENT_WEIGHTS_GROUP);
  }

  private make(label: string, pipeline: GPUComputePipeline, a: MomentWeightsArgs, K: number, s?: GPUBuffer): Dispatch {
    const bindings: Record<number, GPUBuffer> = { 2: a.counts, 3: a.w, 4: a.partials };
    if (s) bindings[1] = s;
    return makeDispatch(this.device, label, pipeline, [a.rowStart, a.rows, K, a.outOffset], bindings, [MomentWeightsKernel.partialCount(a.rows), 1, 1]);
  }

  /** w_j = n_j (one column). */
  counts(a: MomentWeightsArgs): Dispatch {
    return this.make('moment-weights counts', this.pipelines.counts, a, 1);
  }

  /** w_jr = n_j t_j^r for r < orders, t = the one-column scores `s`. */
  powers(a: MomentWeightsArgs & { s: GPUBuffer; orders: number }): Dispatch {
    return this.make('moment-weights powers', this.pipelines.powers, a, a.orders, a.s);
  }

  /** w_jk = n_j y_jk, y = the K-column scores `s`. */
  scaled(a: MomentWeightsArgs & { s: GPUBuffer; K: number }): Dispatch {
    return this.make('moment-weights scaled', this.pipelines.scaled, a, a.K, a.s);
  }
}
