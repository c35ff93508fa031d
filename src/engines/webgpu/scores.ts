/** Wrapper of shaders/scores.wgsl: s = X Θᵀ for one row slice. */
import scoresWgsl from '../../../shaders/scores.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';

export const scoresShader: ShaderSource = { name: 'scores.wgsl', code: scoresWgsl };
/** Rows per workgroup (one invocation each) and components per workgroup, as in the shader. */
export const SCORES_ROWS = 64;
export const SCORES_KT = 4;

/** Full reads of the slice's rows of X one scores dispatch requests (kernel.ts, `Dispatch.x`): one per y-group, ⌈K/4⌉. */
export const scoresXReads = (K: number): number => ceilDiv(K, SCORES_KT);

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

export class ScoresKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<ScoresKernel> {
    return new ScoresKernel(device, await getPipeline(device, scoresShader, 'main'));
  }

  dispatch(a: ScoresArgs): Dispatch {
    const d = makeDispatch(
      this.device,
      'scores',
      this.pipeline,
      [a.rowStart, a.rows, a.L, a.K],
      { 1: a.x, 2: a.theta, 3: a.s },
      [ceilDiv(a.rows, SCORES_ROWS), ceilDiv(a.K, SCORES_KT), 1],
    );
    // Each workgroup loads its 64 rows whole, once per y-group of KT components.
    d.x = { rows: a.rows, reads: scoresXReads(a.K) };
    return d;
  }
}
