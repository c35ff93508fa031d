/** Wrapper of shaders/weighted-sum.wgsl: Σ_j w_jk x_j (K × L) over one row slice, as split-K partials. */
import wsumWgsl from '../../../shaders/weighted-sum.wgsl?raw';
import cascadeWgsl from '../../../shaders/cascade4.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, splitRows, type Dispatch } from './kernel.ts';

export const weightedSumShader: ShaderSource = { name: 'weighted-sum.wgsl', code: `${wsumWgsl}\n${cascadeWgsl}` };
/** Invocations per workgroup; each owns WSUM_TILE consecutive l of WSUM_KG consecutive k. */
export const WSUM_GROUP = 64;
export const WSUM_TILE = 4;
/** Components per invocation (KG in the shader): X is streamed ⌈K / WSUM_KG⌉ times per pass. */
export const WSUM_KG = 8;
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
  /** row groups per slice at most (kernel.ts wideGroups; default SPLIT_MAX_GROUPS) */
  maxGroups?: number;
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
  static partialCount(rows: number, maxGroups?: number): number {
    return splitRows(rows, maxGroups).groups;
  }

  dispatch(a: WeightedSumArgs): Dispatch {
    const { groups, span } = splitRows(a.rows, a.maxGroups);
    const W = a.K * a.L;
    const d = makeDispatch(
      this.device,
      'weighted-sum',
      this.pipeline,
      [a.rowStart, a.rows, a.K, a.L, a.outOffset, span, W, ceilDiv(a.L, WSUM_TILE)],
      { 1: a.x, 2: a.w, 3: a.partials },
      [ceilDiv(ceilDiv(a.K, WSUM_KG) * ceilDiv(a.L, WSUM_TILE), WSUM_GROUP), groups, 1],
    );
    d.x = { rows: a.rows, reads: weightedSumXReads(a.K, a.L) };
    return d;
  }
}

const xReadsMemo = new Map<string, number>();

/**
 * Full reads of the slice's rows of X one weighted-sum dispatch requests (kernel.ts,
 * `Dispatch.x`): Σ over the x-workgroups of the distinct columns one of them loads, / L.
 * Invocation i = c·⌈L/4⌉ + q (component group c < ⌈K/8⌉, the components 8c .. 8c+7) loads
 * the columns 4q .. 4q+3 (clamped to L − 1) of every row of its row group once, for all the
 * components of its group, and workgroup g holds i = 64g .. 64g + 63, so it loads min(L, 256)
 * columns or fewer (fewer at L's ragged end and in the last workgroup); the row groups
 * along y split the rows, so each x-workgroup reads every row of the slice once. In all
 * exactly ⌈K/8⌉ reads for ⌈L/4⌉ ≥ 64 (no workgroup holds one q twice), fewer below (a
 * workgroup that spans several component groups loads their shared columns once).
 */
export function weightedSumXReads(K: number, L: number): number {
  const key = `${K}:${L}`;
  let reads = xReadsMemo.get(key);
  if (reads === undefined) {
    const NQ = ceilDiv(L, WSUM_TILE);
    const seen = new Int32Array(NQ).fill(-1);
    let columns = 0;
    const NC = ceilDiv(K, WSUM_KG);
    for (let i = 0; i < NC * NQ; i++) {
      const g = Math.floor(i / WSUM_GROUP);
      const q = i % NQ;
      if (seen[q] !== g) {
        seen[q] = g;
        columns += Math.min(WSUM_TILE, L - WSUM_TILE * q);
      }
    }
    reads = columns / L;
    xReadsMemo.set(key, reads);
  }
  return reads;
}
