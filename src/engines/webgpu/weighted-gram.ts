/**
 * Wrapper of shaders/weighted-gram.wgsl: Σ_j w_jk (x_j − c_k)(x_j − c_k)ᵀ, upper half
 * packed (K × L(L+1)/2), over one row slice as split-K partials (a tiled, batched SYRK:
 * the shader's header says how and why); and the `center` entry point that forms c_k
 * from the remaining weighted-sum and weight partials.
 */
import gramWgsl from '../../../shaders/weighted-gram.wgsl?raw';
import cascadeWgsl from '../../../shaders/cascade4.wgsl?raw';
import { SoftmixError } from '../../errors.ts';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { withX, type XStorage } from './x-storage.ts';
import { ceilDiv, makeDispatch, splitRows, type Dispatch } from './kernel.ts';

export const weightedGramShader: ShaderSource = { name: 'weighted-gram.wgsl', code: `${gramWgsl}\n${cascadeWgsl}` };
/** Invocations per workgroup; each owns an 8 × 8 register block of one component's outputs. */
export const GRAM_GROUP = 256;

/**
 * One tiling of the shader: column blocks of width `block`, `components` (KC) components
 * per workgroup (256 invocations of 8 × 8 outputs: KC·block² = 16384), `rows` rows per
 * stage (rows · 2·block = 2048 staged floats, 8 KiB of workgroup memory).
 */
export interface GramTiling {
  block: number;
  components: number;
  rows: number;
}

export const GRAM_TILINGS: readonly GramTiling[] = [32, 64, 128].map((block) => ({
  block,
  components: GRAM_GROUP / (block / 8) ** 2,
  rows: 1024 / block,
}));

/**
 * The tiling for K components of L columns: the fewest reads of X (⌈K/KC⌉·⌈L/block⌉),
 * then the fewest workgroups per row group (fewer idle components), then the narrower
 * block. Wide blocks pay off where K is small: one component at L = 1024 reads X 8
 * times at block 128 and 32 times at block 32.
 */
export function gramTiling(K: number, L: number): GramTiling {
  let best = GRAM_TILINGS[0];
  let bestKey = [Infinity, Infinity];
  for (const t of GRAM_TILINGS) {
    const nb = ceilDiv(L, t.block);
    const groups = ceilDiv(K, t.components);
    const key = [groups * nb, (groups * nb * (nb + 1)) / 2];
    if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) [best, bestKey] = [t, key];
  }
  return best;
}

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

/**
 * Full reads of the slice's rows of X one weighted-gram dispatch requests (kernel.ts,
 * `Dispatch.x`), from the shader's index arithmetic: the workgroup of block pair (A ≤ B)
 * and component group loads, from each row of its row group, the columns of A ∪ B below
 * L (words past L are not loaded); over the nb(nb+1)/2 pairs, Σ_A w_A + Σ_{A<B} (w_A + w_B)
 * = nb·L words a row (w_A the width of block A inside L), once per component group, and
 * the row groups along y split the rows: ⌈K/KC⌉·⌈L/block⌉ reads.
 */
export function weightedGramXReads(K: number, L: number): number {
  const t = gramTiling(K, L);
  return ceilDiv(K, t.components) * ceilDiv(L, t.block);
}

export interface WeightedGramArgs {
  x: GPUBuffer;
  /** weights (rows × K, or rows × wColumns.stride with component k's in column wColumns.first + k) */
  w: GPUBuffer;
  wColumns?: { stride: number; first: number };
  /**
   * Also Σ_j w_jc x_j of the Gram's weight columns, and of those from `otherFirst` where
   * given (the shader's fused sums): each partial is then K·T Gram floats followed by
   * wColumns.stride·L sums, the sums of column c of w at K·T + c·L.
   */
  sums?: { otherFirst?: number };
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

  /** `storage`: how the X it reads is stored (x-storage.ts). */
  static async load(device: GPUDevice, storage: XStorage = 'f32'): Promise<WeightedGramKernel> {
    const source = withX(weightedGramShader, storage);
    const [g, c] = await Promise.all([getPipeline(device, source, 'main'), getPipeline(device, source, 'centerMain')]);
    return new WeightedGramKernel(device, g, c);
  }

  static partialCount(rows: number, maxGroups?: number): number {
    return splitRows(rows, maxGroups).groups;
  }

  /** Floats of one partial: K packed Gram matrices, and with the fused sums `columns`·L more. */
  static partialWidth(K: number, L: number, sumColumns = 0): number {
    return K * packedSize(L) + sumColumns * L;
  }

  dispatch(a: WeightedGramArgs): Dispatch {
    const { groups, span } = splitRows(a.rows, a.maxGroups);
    const T = packedSize(a.L);
    const stride = a.wColumns?.stride ?? a.K;
    const W = WeightedGramKernel.partialWidth(a.K, a.L, a.sums ? stride : 0);
    const t = gramTiling(a.K, a.L);
    const nKG = ceilDiv(a.K, t.components);
    const nb = ceilDiv(a.L, t.block);
    const x = nKG * ((nb * (nb + 1)) / 2);
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max) {
      throw new SoftmixError(
        'backend',
        `weighted-gram: K = ${a.K}, L = ${a.L} need ${x} workgroups (${nKG} component groups × ${(nb * (nb + 1)) / 2} column-block pairs), more than maxComputeWorkgroupsPerDimension = ${max}`,
      );
    }
    const d = makeDispatch(
      this.device,
      'weighted-gram',
      this.pipeline,
      [a.rowStart, a.rows, a.K, a.L, a.outOffset, span, W, T, t.block, t.rows, t.components, nKG, nb, t.block / 8, stride, a.wColumns?.first ?? 0, a.sums ? (a.sums.otherFirst === undefined ? 1 : 2) : 0, a.sums?.otherFirst ?? 0, a.K * T],
      { 1: a.x, 2: a.w, 3: a.partials, 4: a.center },
      [x, groups, 1],
    );
    d.x = { rows: a.rows, reads: nKG * nb }; // = weightedGramXReads(K, L)
    return d;
  }

  /**
   * c_kl = Σ_i F_i,kl / Σ_i S_i,k from nF weighted-sum partials (K·L floats each) and nS
   * weight partials (K each), into `center` (K × L).
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
