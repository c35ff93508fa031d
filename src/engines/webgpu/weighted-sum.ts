/** Wrapper of shaders/weighted-sum.wgsl: Σ_j w_jk x_j (K × L) over one row slice, as split-K partials. */
import wsumWgsl from '../../../shaders/weighted-sum.wgsl?raw';
import cascadeWgsl from '../../../shaders/cascade4.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, splitRows, type Dispatch } from './kernel.ts';

export const weightedSumShader: ShaderSource = { name: 'weighted-sum.wgsl', code: `${wsumWgsl}\n${cascadeWgsl}` };
/** Invocations per workgroup; each owns WSUM_TILE consecutive l of one k. */
export const WSUM_GROUP = 64;
export const WSUM_TILE = 4;
/** Outputs per workgroup in the worst case (K·L / WSUM_COLUMNS workgroups at most along x). */
export const WSUM_COLUMNS = 16;

export interface WeightedSumArgs {
  /** the chunk of X (rows × L) */
  x: GPUBuffer;
  /** weights of the slice (rows × K) */
  w: GPUBuffer;
  /** output partials, K·L floats each, this slice's first at index outOffset */
  partials: GPUBuffer;
  rowStart: number;
  rows: number;
  K: number;
  L: number;
  outOffset: number;
}

export class WeightedSumKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<WeightedSumKernel> {
    return new WeightedSumKernel(device, await getPipeline(device, weightedSumShader, 'main'));
  }

  /** Number of partials one slice of `rows` rows writes. */
  static partialCount(rows: number): number {
    return splitRows(rows).groups;
  }

  dispatch(a: WeightedSumArgs): Dispatch {
    const { groups, span } = splitRows(a.rows);
    const W = a.K * a.L;
    return makeDispatch(
      this.device,
      'weighted-sum',
      this.pipeline,
      [a.rowStart, a.rows, a.K, a.L, a.outOffset, span, W, ceilDiv(a.L, WSUM_TILE)],
      { 1: a.x, 2: a.w, 3: a.partials },
      [ceilDiv(a.K * ceilDiv(a.L, WSUM_TILE), WSUM_GROUP), groups, 1],
    );
  }
}
