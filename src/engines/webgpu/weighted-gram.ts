/**
 * Wrapper of shaders/weighted-gram.wgsl: Σ_j w_jk (x_j − c_k)(x_j − c_k)ᵀ, upper half
 * packed (K × L(L+1)/2), over one row slice as split-K partials; and the `center`
 * entry point that forms c_k from the remaining weighted-sum and weight partials.
 */
import gramWgsl from '../../../shaders/weighted-gram.wgsl?raw';
import cascadeWgsl from '../../../shaders/cascade4.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, splitRows, type Dispatch } from './kernel.ts';

export const weightedGramShader: ShaderSource = { name: 'weighted-gram.wgsl', code: `${gramWgsl}\n${cascadeWgsl}` };
/** Invocations per workgroup; each owns a GRAM_TILE × GRAM_TILE tile of one k's packed outputs. */
export const GRAM_GROUP = 64;
export const GRAM_TILE = 4;

/** Packed upper-triangle size T = L(L+1)/2; entry (a, b ≥ a) of row a sits at a·L − a(a−1)/2 + (b − a). */
export const packedSize = (L: number): number => (L * (L + 1)) / 2;

/** Expands packed upper halves (K × T) into K row-major L × L blocks holding the upper half (lower half 0). */
export function unpackUpper(packed: ArrayLike<number>, K: number, L: number): Float64Array {
  const T = packedSize(L);
  const out = new Float64Array(K * L * L);
  for (let k = 0; k < K; k++) {
    let t = k * T;
    for (let a = 0; a < L; a++) for (let b = a; b < L; b++) out[k * L * L + a * L + b] = packed[t++];
  }
  return out;
}

const xReadsMemo = new Map<string, number>();

/**
 * Full reads of the slice's rows of X one weighted-gram dispatch requests (kernel.ts,
 * `Dispatch.x`): Σ over the x-workgroups of the distinct columns their 64 tiles load, / L,
 * exact for the shader's tile order: invocation i = k·nTiles + t takes tile t of the upper
 * triangle row-major, (0,0), (0,1), …, (0,NT−1), (1,1), …, and loads the columns of its
 * tile rows ta and tb (4 each, clamped to L − 1) from every row of its row group; the row
 * groups along y split the rows, so each x-workgroup reads every row once per column.
 */
export function weightedGramXReads(K: number, L: number): number {
  const key = `${K}:${L}`;
  let reads = xReadsMemo.get(key);
  if (reads === undefined) {
    const NT = ceilDiv(L, GRAM_TILE);
    const width = (t: number) => Math.min(GRAM_TILE, L - GRAM_TILE * t);
    const seen = new Int32Array(NT).fill(-1);
    let columns = 0;
    let ta = 0;
    let tb = 0;
    const total = K * ((NT * (NT + 1)) / 2);
    for (let i = 0; i < total; i++) {
      const g = Math.floor(i / GRAM_GROUP);
      if (seen[ta] !== g) {
        seen[ta] = g;
        columns += width(ta);
      }
      if (seen[tb] !== g) {
        seen[tb] = g;
        columns += width(tb);
      }
      if (++tb === NT) {
        ta++;
        tb = ta;
        if (ta === NT) ta = tb = 0; // the next k
      }
    }
    reads = columns / L;
    xReadsMemo.set(key, reads);
  }
  return reads;
}

export interface WeightedGramArgs {
  x: GPUBuffer;
  w: GPUBuffer;
  /** c (K × L) */
  center: GPUBuffer;
  /** output partials, K·T floats each, this slice's first at index outOffset */
  partials: GPUBuffer;
  rowStart: number;
  rows: number;
  K: number;
  L: number;
  outOffset: number;
  /** row groups per slice at most (kernel.ts wideGroups; default SPLIT_MAX_GROUPS) */
  maxGroups?: number;
}

export class WeightedGramKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly centerPipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<WeightedGramKernel> {
    const [g, c] = await Promise.all([getPipeline(device, weightedGramShader, 'main'), getPipeline(device, weightedGramShader, 'centerMain')]);
    return new WeightedGramKernel(device, g, c);
  }

  static partialCount(rows: number, maxGroups?: number): number {
    return splitRows(rows, maxGroups).groups;
  }

  dispatch(a: WeightedGramArgs): Dispatch {
    const { groups, span } = splitRows(a.rows, a.maxGroups);
    const T = packedSize(a.L);
    const W = a.K * T;
    const NT = ceilDiv(a.L, GRAM_TILE);
    const nTiles = (NT * (NT + 1)) / 2;
    const d = makeDispatch(
      this.device,
      'weighted-gram',
      this.pipeline,
      [a.rowStart, a.rows, a.K, a.L, a.outOffset, span, W, T, NT, nTiles, 0, 0],
      { 1: a.x, 2: a.w, 3: a.partials, 4: a.center },
      [ceilDiv(a.K * nTiles, GRAM_GROUP), groups, 1],
    );
    d.x = { rows: a.rows, reads: weightedGramXReads(a.K, a.L) };
    return d;
  }

  /**
   * c_kl = Σ_i F_i,kl / Σ_i S_i,k from nF weighted-sum partials (K·L each) and nS
   * estep/sigma weight partials (K each), into `center` (K × L).
   */
  center(a: { sums: GPUBuffer; nF: number; weights: GPUBuffer; nS: number; center: GPUBuffer; K: number; L: number }): Dispatch {
    return makeDispatch(
      this.device,
      'weighted-gram center',
      this.centerPipeline,
      [a.K, a.L, a.nF, a.nS],
      { 6: a.sums, 7: a.weights, 8: a.center },
      [ceilDiv(a.K * a.L, 64), 1, 1],
      5,
    );
  }
}
