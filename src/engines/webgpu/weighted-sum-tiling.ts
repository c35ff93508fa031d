/**
 * The tilings of shaders/weighted-sum.wgsl and the choice among them: plain arithmetic,
 * apart from the kernel wrapper (weighted-sum.ts) so that code without the WGSL loader
 * (bench/roofline.ts, run by tsx before its loader hook) can count with it.
 */
import { ceilDiv } from './kernel.ts';

/**
 * Rows per stage, the same in every tiling (R·(CB + BW) ≤ 2048 floats, 8 KiB of workgroup
 * memory): each output is then summed in the same order whatever the tiling, so the
 * E-step's sums come out bit for bit the same alone (K columns) or beside σ's (2K).
 */
export const WSUM_STAGE_ROWS = 12;

/**
 * One tiling of the shader: `columns` (CB) columns of w by `features` (BW) columns of X per
 * workgroup (CB·BW = 4096 = 256 invocations × 16 outputs), `rows` (R) rows per stage.
 */
export interface SumTiling {
  columns: number;
  features: number;
  rows: number;
}

export const WSUM_TILINGS: readonly SumTiling[] = [32, 64, 128].map((columns) => ({ columns, features: 4096 / columns, rows: WSUM_STAGE_ROWS }));

/**
 * The tiling for C weight columns and L features: the fewest reads of X (⌈C/CB⌉), then
 * the fewest workgroups per row group (fewer idle outputs), then the wider feature block.
 */
export function weightedSumTiling(C: number, L: number): SumTiling {
  let best = WSUM_TILINGS[0];
  let bestKey = [Infinity, Infinity];
  for (const t of WSUM_TILINGS) {
    const reads = ceilDiv(C, t.columns);
    const key = [reads, reads * ceilDiv(L, t.features)];
    if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) [best, bestKey] = [t, key];
  }
  return best;
}

