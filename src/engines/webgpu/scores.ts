/**
 * Wrapper of shaders/scores.wgsl: s = X Θᵀ for one row slice, all K components per
 * 256-row workgroup; `withPartials` also writes the slice's log-sum-exp partials (the
 * format of logsumexp.ts: one (m, t) per LSE_GROUP rows and component), so phase 1 of
 * a softmax plan is one dispatch per slice instead of two.
 */
import scoresWgsl from '../../../shaders/scores.wgsl?raw';
import expLogWgsl from '../../../shaders/exp-log.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { withX, type XStorage } from './x-storage.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';
import { LSE_GROUP } from './logsumexp.ts';

export const scoresShader: ShaderSource = { name: 'scores.wgsl', code: `${scoresWgsl}\n${expLogWgsl}` };
/** Rows per workgroup, the shader's ROWS = 256: one logsumexp partial each, so it is LSE_GROUP. */
export const SCORES_ROWS = LSE_GROUP;

/**
 * Full reads of the slice's rows of X one scores dispatch requests (kernel.ts, `Dispatch.x`):
 * 1, whatever K. Each workgroup loads each word of its 256 rows (and no other) for all the
 * components; above 64 components it stages the same words again per block of 64, which
 * the definition counts once.
 */
export const scoresXReads = (K: number): number => (K >= 1 ? 1 : 0);

export interface ScoresArgs {
  /** the chunk of X (rows × L, f32) */
  x: GPUBuffer;
  /** Θ (K × L, f32) */
  theta: GPUBuffer;
  /** output s (rows × K, f32), slice-local */
  s: GPUBuffer;
  /** first row of the slice inside the chunk */
  rowStart: number;
  rows: number;
  L: number;
  K: number;
}

export interface ScoresPartialsArgs extends ScoresArgs {
  /** output logsumexp partials (n × K × (m, t)): this slice writes [outOffset, outOffset + ⌈rows/256⌉) */
  partials: GPUBuffer;
  outOffset: number;
}

export class ScoresKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly partialsPipeline: GPUComputePipeline,
  ) {}

  /** `storage`: how the X it reads is stored (x-storage.ts). */
  static async load(device: GPUDevice, storage: XStorage = 'f32'): Promise<ScoresKernel> {
    const source = withX(scoresShader, storage);
    const [main, withPartials] = await Promise.all([getPipeline(device, source, 'main'), getPipeline(device, source, 'withPartials')]);
    return new ScoresKernel(device, main, withPartials);
  }

  /** s only (scores recomputed in later phases, the moment and hvp plans). */
  dispatch(a: ScoresArgs): Dispatch {
    const d = makeDispatch(this.device, 'scores', this.pipeline, [a.rowStart, a.rows, a.L, a.K, 0], { 1: a.x, 2: a.theta, 3: a.s }, [ceilDiv(a.rows, SCORES_ROWS), 1, 1]);
    d.x = { rows: a.rows, reads: scoresXReads(a.K) };
    return d;
  }

  /** s and the logsumexp partials of the slice, at the offsets logsumexp.ts's merge chain reads. */
  withPartials(a: ScoresPartialsArgs): Dispatch {
    const d = makeDispatch(
      this.device,
      'scores + logsumexp partials',
      this.partialsPipeline,
      [a.rowStart, a.rows, a.L, a.K, a.outOffset],
      { 1: a.x, 2: a.theta, 3: a.s, 4: a.partials },
      [ceilDiv(a.rows, SCORES_ROWS), 1, 1],
    );
    d.x = { rows: a.rows, reads: scoresXReads(a.K) };
    return d;
  }
}
