/**
 * Wrapper of shaders/estep.wgsl: the fused E-step (weights n_j r_jk, ℓ and c_k
 * partials) and the softmax weights σ_jk (with Σσ partials), for one row slice.
 */
import estepWgsl from '../../../shaders/estep.wgsl?raw';
import expLogWgsl from '../../../shaders/exp-log.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';

export const estepShader: ShaderSource = { name: 'estep.wgsl', code: `${estepWgsl}\n${expLogWgsl}` };
/** Rows per workgroup = rows per partial. A weight partial is K floats (Σ_j w_jk); an ℓ partial is one hi + lo pair. */
export const ESTEP_GROUP = 256;

export interface EStepArgs {
  /** scores of the slice (rows × K) */
  s: GPUBuffer;
  /** per-component state from LogSumExpKernel.finalize (K × vec4) */
  state: GPUBuffer;
  /** output weights (rows × K; rows × K(K+1)/2 for pairs) */
  w: GPUBuffer;
  /** output weight partials, one per column of w each, this slice's first at index outOffset */
  partials: GPUBuffer;
  rows: number;
  K: number;
  outOffset: number;
}

export class EStepKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly estepPipeline: GPUComputePipeline,
    private readonly sigmaPipeline: GPUComputePipeline,
    private readonly pairsPipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<EStepKernel> {
    const [e, s, p] = await Promise.all(['estep', 'sigma', 'pairs'].map((entry) => getPipeline(device, estepShader, entry)));
    return new EStepKernel(device, e, s, p);
  }

  static partialCount(rows: number): number {
    return ceilDiv(rows, ESTEP_GROUP);
  }

  /**
   * w_jk = n_j r_jk; partials Σ_j w_jk and, in `ell` (vec2 each, same index), Σ n_j log π_j
   * as hi + lo. `counts` is the chunk's, read from row `rowStart`.
   */
  estep(a: EStepArgs & { counts: GPUBuffer; rowStart: number; ell: GPUBuffer }): Dispatch {
    return makeDispatch(
      this.device,
      'estep',
      this.estepPipeline,
      [a.rowStart, a.rows, a.K, a.outOffset, a.K],
      { 1: a.s, 2: a.counts, 3: a.state, 4: a.w, 5: a.partials, 6: a.ell },
      [EStepKernel.partialCount(a.rows), 1, 1],
    );
  }

  /** w_jk = σ_jk = exp(s_jk − A_k); partials Σ_j σ_jk. */
  sigma(a: EStepArgs): Dispatch {
    return makeDispatch(
      this.device,
      'estep sigma',
      this.sigmaPipeline,
      [0, a.rows, a.K, a.outOffset, a.K],
      { 1: a.s, 3: a.state, 4: a.w, 5: a.partials },
      [EStepKernel.partialCount(a.rows), 1, 1],
    );
  }

  /**
   * Pair weights w_j,(k,l) = n_j r_jk (δ_kl − r_jl), k ≤ l, into w (rows × K(K+1)/2);
   * partials Σ_j w_j,(k,l) (K(K+1)/2 floats each).
   */
  pairs(a: EStepArgs & { counts: GPUBuffer; rowStart: number }): Dispatch {
    return makeDispatch(
      this.device,
      'estep pairs',
      this.pairsPipeline,
      [a.rowStart, a.rows, a.K, a.outOffset, (a.K * (a.K + 1)) / 2],
      { 1: a.s, 2: a.counts, 3: a.state, 4: a.w, 5: a.partials },
      [EStepKernel.partialCount(a.rows), 1, 1],
    );
  }
}
