/**
 * Wrapper of shaders/estep.wgsl: the fused E-step (weights n_j r_jk, ℓ and c_k
 * partials) and the softmax weights σ_jk (with Σσ partials), for one row slice.
 */
import estepWgsl from '../../../shaders/estep.wgsl?raw';
import expLogWgsl from '../../../shaders/exp-log.wgsl?raw';
import columnTreeWgsl from '../../../shaders/column-tree.wgsl?raw';
import pairAddWgsl from '../../../shaders/pair-add.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';
import type { PairWeights } from '../engine.ts';

export const estepShader: ShaderSource = { name: 'estep.wgsl', code: `${estepWgsl}\n${expLogWgsl}\n${columnTreeWgsl}\n${pairAddWgsl}` };
/** Rows per workgroup = rows per partial. A weight partial is K floats (Σ_j w_jk); an ℓ partial is one hi + lo pair. */
export const ESTEP_GROUP = 256;

export interface EStepArgs {
  /** scores of the slice (rows × K) */
  s: GPUBuffer;
  /** per-component state from LogSumExpKernel.finalize (K × vec4) */
  state: GPUBuffer;
  /** output weights (rows × K; rows × 2K for estepSigma; rows × K(K+1)/2 for pairs; rows × 1 for residual) */
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
    private readonly residualPipeline: GPUComputePipeline,
    private readonly scorePairsPipeline: GPUComputePipeline,
    private readonly estepSigmaPipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<EStepKernel> {
    const [e, s, p, r, q, es] = await Promise.all(['estep', 'sigma', 'pairs', 'residual', 'scorePairs', 'estepSigma'].map((entry) => getPipeline(device, estepShader, entry)));
    return new EStepKernel(device, e, s, p, r, q, es);
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

  /**
   * Both in one dispatch: w (rows × 2K) holds n_j r_jk in columns k and σ_jk in columns
   * K + k; partials Σ_j w of all 2K columns (2K floats each), and the ℓ pairs as estep.
   */
  estepSigma(a: EStepArgs & { counts: GPUBuffer; rowStart: number; ell: GPUBuffer }): Dispatch {
    return makeDispatch(
      this.device,
      'estep with sigma',
      this.estepSigmaPipeline,
      [a.rowStart, a.rows, a.K, a.outOffset, 2 * a.K],
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
   * Pair weights w_j,(k,l) = n_j r_jk (δ_kl − r_jl) ('information') or n_j r_jk r_jl
   * ('scores'), k ≤ l, into w (rows × K(K+1)/2); partials Σ_j w_j,(k,l) (K(K+1)/2 floats each).
   */
  pairs(a: EStepArgs & { counts: GPUBuffer; rowStart: number }, weights: PairWeights = 'information'): Dispatch {
    return makeDispatch(
      this.device,
      weights === 'information' ? 'estep pairs' : 'estep score pairs',
      weights === 'information' ? this.pairsPipeline : this.scorePairsPipeline,
      [a.rowStart, a.rows, a.K, a.outOffset, (a.K * (a.K + 1)) / 2],
      { 1: a.s, 2: a.counts, 3: a.state, 4: a.w, 5: a.partials },
      [EStepKernel.partialCount(a.rows), 1, 1],
    );
  }

  /**
   * Residual weights w_j = max(n_j − N π_j, 0) into w (rows × 1); partials Σ_j w_j. N goes
   * to the shader as the bits of its float32 rounding.
   */
  residual(a: EStepArgs & { counts: GPUBuffer; rowStart: number; N: number }): Dispatch {
    const totalBits = new Uint32Array(Float32Array.of(a.N).buffer)[0];
    return makeDispatch(
      this.device,
      'estep residual',
      this.residualPipeline,
      [a.rowStart, a.rows, a.K, a.outOffset, 1, totalBits],
      { 1: a.s, 2: a.counts, 3: a.state, 4: a.w, 5: a.partials },
      [EStepKernel.partialCount(a.rows), 1, 1],
    );
  }
}
