/**
 * Wrapper of shaders/weighted-sum.wgsl: Σ_j w_jc x_j (C × L) over one row slice, as
 * split-K partials (a tiled GEMM Wᵀ X: the shader's header says how and why).
 */
import wsumWgsl from '../../../shaders/weighted-sum.wgsl?raw';
import cascadeWgsl from '../../../shaders/cascade4.wgsl?raw';
import { SoftmixError } from '../../errors.ts';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { withX, type XStorage } from './x-storage.ts';
import { ceilDiv, makeDispatch, splitRows, type Dispatch } from './kernel.ts';
import { weightedSumTiling } from './weighted-sum-tiling.ts';

export { weightedSumTiling, WSUM_TILINGS, WSUM_STAGE_ROWS, type SumTiling } from './weighted-sum-tiling.ts';

export const weightedSumShader: ShaderSource = { name: 'weighted-sum.wgsl', code: `${wsumWgsl}\n${cascadeWgsl}` };
/** Invocations per workgroup; each owns a 4 × 4 register block (4 columns of w, 4 features). */
export const WSUM_GROUP = 256;
/**
 * Full reads of the slice's rows of X one weighted-sum dispatch requests (kernel.ts,
 * `Dispatch.x`), from the shader's index arithmetic: the workgroup of column block cb and
 * feature block fb loads the features of fb below L of each row of its row group; the
 * ⌈L/BW⌉ feature blocks tile L, so each column block reads every row once: ⌈C/CB⌉ reads.
 */
export function weightedSumXReads(C: number, L: number): number {
  return ceilDiv(C, weightedSumTiling(C, L).columns);
}

export interface WeightedSumArgs {
  /** the chunk of X (rows × L) */
  x: GPUBuffer;
  /** weights of the slice (rows × K) */
  w: GPUBuffer;
  /** output partials, K·L floats each, this slice's first at index outOffset */
  partials: GPUBuffer;
  rowStart: number;
  rows: number;
  /** columns of w (C) */
  K: number;
  L: number;
  outOffset: number;
  /** row groups per slice at most (kernel.ts wideGroups; default SPLIT_MAX_GROUPS) */
  maxGroups?: number;
}

export class WeightedSumKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  /** `storage`: how the X it reads is stored (x-storage.ts). */
  static async load(device: GPUDevice, storage: XStorage = 'f32'): Promise<WeightedSumKernel> {
    return new WeightedSumKernel(device, await getPipeline(device, withX(weightedSumShader, storage), 'main'));
  }

  /** Number of partials one slice of `rows` rows writes. */
  static partialCount(rows: number, maxGroups?: number): number {
    return splitRows(rows, maxGroups).groups;
  }

  dispatch(a: WeightedSumArgs): Dispatch {
    const { groups, span } = splitRows(a.rows, a.maxGroups);
    const t = weightedSumTiling(a.K, a.L);
    const nFB = ceilDiv(a.L, t.features);
    const x = ceilDiv(a.K, t.columns) * nFB;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max) {
      throw new SoftmixError('backend', `weighted-sum: C = ${a.K} weight columns, L = ${a.L} need ${x} workgroups, more than maxComputeWorkgroupsPerDimension = ${max}`);
    }
    const d = makeDispatch(
      this.device,
      'weighted-sum',
      this.pipeline,
      [a.rowStart, a.rows, a.K, a.L, a.outOffset, span, a.K * a.L, t.columns, t.features, t.rows, nFB, 0],
      { 1: a.x, 2: a.w, 3: a.partials },
      [x, groups, 1],
    );
    d.x = { rows: a.rows, reads: ceilDiv(a.K, t.columns) }; // = weightedSumXReads(K, L)
    return d;
  }
}
