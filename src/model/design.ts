/**
 * The design statistics every fit starts from: the features centred (and scaled by a power
 * of two where their size calls for it), their covariance S, and the rank check that says
 * whether θ is identifiable. Centring is O(pL) (`centreFeatures`); S is O(pL²), summed in
 * float64 on the host (`hostCovariance`) or, for a fit that asks, by the engine
 * (fit/design-covariance.ts), which then checks the rank against its own precision.
 */
import { fail } from '../errors.ts';
import { choleskyInPlace, symmetricEigen, JACOBI_MAX_N } from '../math/linalg.ts';
import { symmetricEigenTop } from '../math/tridiagonal-eigen.ts';
import type { FloatArray } from '../math/float-array.ts';
import type { Dataset } from './data.ts';

/** The features centred and scaled: what the engine holds, and how to undo it. */
export interface Centring {
  /** column means x̄ (uniform over j), in the features' own units */
  mean: Float64Array;
  /**
   * (features − x̄)·scale, row-major p×L: what the engine holds. Centred in float64, stored
   * at the precision asked for (centreFeatures' `precision`).
   */
  centred: FloatArray;
  /**
   * the power of two the centred features are multiplied by, so that float32 holds them and
   * their squares (1 for features of ordinary scale, see FEATURE_SCALE_RANGE). x·θ is
   * unchanged when x is scaled by s and θ by 1/s, so the fit runs on scaled features and its
   * atoms are θ = scale·θ' (and a ridge λ on θ is λ·scale² on θ').
   */
  scale: number;
  /** the power of two the features were brought near 1 by before centring (1 for most data) */
  prescale: number;
  /** max |x_jl| of the features as given (the rank check's floor for a constant column) */
  maxAbs: number;
}

export interface DesignStats extends Centring {
  /** covariance S of the scaled rows (uniform over j), L×L */
  covariance: Float64Array;
}

/**
 * Features whose centred root-mean-square lies within these powers of two are used as they
 * are; outside it they are scaled by a power of two (exact in binary floating point) to an
 * RMS near 1. float32 spans 2^±126: 2^±10 leaves room for atoms, scores and Hessians
 * (squares) at either end. Ordinary data (standardised features, embeddings) stay unscaled,
 * so their fits are unchanged.
 */
export const FEATURE_SCALE_RANGE = [2 ** -10, 2 ** 10] as const;

/**
 * Centres the features (leaves every π_j unchanged, removes the shift symmetry of θ),
 * computes S on the host in float64 (O(pL²), once per fit) and checks that the centred
 * columns have full rank: otherwise Θ is not identifiable. `precision` is the centred copy's:
 * 'float64' for the float64 cpu engine (the default), 'float32' for an engine that reads X
 * in float32 (WebGPU: the device then sees the same values, rounded once, and the host keeps
 * 4 bytes per entry, not 8).
 */
export function designStats(data: Dataset, precision: 'float32' | 'float64' = 'float64'): DesignStats {
  const centring = centreFeatures(data, precision);
  const covariance = hostCovariance(data, centring);
  checkRank(centring, covariance, data.p, data.L);
  return { ...centring, covariance };
}

/** Column means of the features brought near 1 by `prescale` (a power of two). */
function prescaledMean(features: FloatArray, p: number, L: number, prescale: number): Float64Array {
  const mean = new Float64Array(L);
  for (let j = 0; j < p; j++) for (let l = 0; l < L; l++) mean[l] += features[j * L + l] * prescale;
  for (let l = 0; l < L; l++) mean[l] /= p;
  return mean;
}

/**
 * x_ja·prescale − x̄_a in float64 (exact scaling by a power of two, then one rounding): the
 * centred value before `scale`, which every statistic here starts from.
 */
function centredAt(features: FloatArray, prescale: number, mean: Float64Array, L: number): (i: number) => number {
  return (i) => features[i] * prescale - mean[i % L];
}

/** Centring and scaling only: O(pL), no S. */
export function centreFeatures(data: Dataset, precision: 'float32' | 'float64' = 'float64'): Centring {
  const { p, L, features } = data;
  // Features beyond 2^±20 are first brought near 1 by a power of two, so that neither their
  // sums nor their squares overflow or underflow float64 (×1e200, ×1e-200 features).
  let maxAbs = 0;
  for (let i = 0; i < p * L; i++) maxAbs = Math.max(maxAbs, Math.abs(features[i]));
  const prescale = maxAbs > 2 ** 20 || (maxAbs > 0 && maxAbs < 2 ** -20) ? 2 ** -Math.floor(Math.log2(maxAbs)) : 1;
  const mean = prescaledMean(features, p, L, prescale);
  const at = centredAt(features, prescale, mean, L);
  // S's diagonal, summed in row order as hostCovariance sums it (the same bits), for the scale
  const squares = new Float64Array(L);
  for (let j = 0; j < p; j++) {
    for (let a = 0; a < L; a++) {
      const v = at(j * L + a);
      squares[a] += v * v;
    }
  }
  let trace = 0;
  for (let a = 0; a < L; a++) trace += squares[a] / p;
  const s = unitRmsFactor(trace, L);
  const centred = precision === 'float32' ? new Float32Array(p * L) : new Float64Array(p * L);
  for (let i = 0; i < p * L; i++) centred[i] = at(i) * s;
  for (let l = 0; l < L; l++) mean[l] /= prescale;
  return { mean, centred, scale: prescale * s, prescale, maxAbs };
}

/** Rows per block of hostCovariance's sum: a multiple of 4 (addUpperGram's sweep), 2 MB of float64 at L = 1024. */
const GRAM_BLOCK_ROWS = 256;

/**
 * S = Σ_j x_j x_jᵀ / p of the centred, scaled features, in float64: the unscaled centred rows
 * are formed again in blocks of 256 (so beside the features the host holds one block, never
 * a float64 p×L) and S is multiplied by scale² at the end (exact: a power of two).
 */
export function hostCovariance(data: Dataset, c: Centring): Float64Array {
  const { p, L, features } = data;
  const at = centredAt(features, c.prescale, prescaledMean(features, p, L, c.prescale), L);
  const covariance = new Float64Array(L * L);
  const block = new Float64Array(Math.min(p, GRAM_BLOCK_ROWS) * L);
  for (let j0 = 0; j0 < p; j0 += GRAM_BLOCK_ROWS) {
    const rows = Math.min(GRAM_BLOCK_ROWS, p - j0);
    for (let i = 0; i < rows * L; i++) block[i] = at(j0 * L + i);
    addUpperGram(covariance, block, rows, L);
  }
  const s2 = (c.scale / c.prescale) ** 2;
  for (let a = 0; a < L; a++) {
    for (let b = a; b < L; b++) {
      covariance[a * L + b] = (covariance[a * L + b] / p) * s2;
      covariance[b * L + a] = covariance[a * L + b];
    }
  }
  return covariance;
}

/**
 * Adds Σ_j x_ja x_jb for a ≤ b (the upper triangle, row-major L×L) of the `rows`×L rows x_j
 * to g. Four rows per sweep of the triangle, so each entry is loaded and stored once per four
 * rows instead of every row (the triangle, L²/2 float64, is far larger than a cache at L in
 * the hundreds: designStats took 17–18 s at p = 2·10⁴, L = 768 with the one-row loop,
 * 6.6–7.8 s with this, `npx tsx bench/host-setup.ts`). Each entry still adds its rows'
 * products one at a time in row order, so the sums are the one-row loop's to the bit, and
 * summing in blocks of rows gives the same bits as one call over all of them.
 */
function addUpperGram(g: Float64Array, x: Float64Array, rows: number, L: number): void {
  let j = 0;
  for (; j + 4 <= rows; j += 4) {
    const [r0, r1, r2, r3] = [j * L, (j + 1) * L, (j + 2) * L, (j + 3) * L];
    for (let a = 0; a < L; a++) {
      const [v0, v1, v2, v3] = [x[r0 + a], x[r1 + a], x[r2 + a], x[r3 + a]];
      const row = a * L;
      for (let b = a; b < L; b++) {
        let s = g[row + b];
        s += v0 * x[r0 + b];
        s += v1 * x[r1 + b];
        s += v2 * x[r2 + b];
        s += v3 * x[r3 + b];
        g[row + b] = s;
      }
    }
  }
  for (; j < rows; j++) {
    for (let a = 0; a < L; a++) {
      const va = x[j * L + a];
      for (let b = a; b < L; b++) g[a * L + b] += va * x[j * L + b];
    }
  }
}

/**
 * The power of two the centred features are multiplied by when their RMS √(tr S / L) lies
 * outside FEATURE_SCALE_RANGE (1 when left alone).
 */
function unitRmsFactor(trace: number, L: number): number {
  const rms = Math.sqrt(trace / L);
  if (!(rms > 0) || (rms >= FEATURE_SCALE_RANGE[0] && rms <= FEATURE_SCALE_RANGE[1])) return 1;
  return 2 ** -Math.round(Math.log2(rms));
}

/** The largest and smallest eigenvalues of S (eigenvalues only above Jacobi's range). */
export function spectrumEnds(covariance: Float64Array, L: number): { top: number; bottom: number } {
  const eig = L > JACOBI_MAX_N ? symmetricEigenTop(covariance, L, 0) : symmetricEigen(covariance, L);
  return { top: eig.values[0], bottom: eig.values[L - 1] };
}

/**
 * Whether S's smallest eigenvalue shows the centred columns to have full rank. Exact
 * collinearity shows up as an eigenvalue at rounding level (~1e-16 relative in float64,
 * ~1e-14 once features went through float32); 1e-10 leaves a wide margin. A constant column
 * keeps a spread of rounding (~1e-16 of its magnitude, e.g. 1e-19 for values of 1e-3) that
 * the relative test alone takes for data when L = 1: the spread must also reach 1e-10 of the
 * features' magnitude (float32 features resolve ~1e-7 of it).
 */
export function hasFullRank(ends: { top: number; bottom: number }, c: Centring): boolean {
  const { top, bottom } = ends;
  return top > 0 && bottom > 1e-10 * top && Math.sqrt(top) > 1e-10 * c.maxAbs * c.scale;
}

/**
 * A proof that S has full rank in `hasFullRank`'s sense, with its smallest eigenvalue also
 * above `floor`, from one Cholesky factorisation and no eigenvalues; false where it cannot
 * tell (then the eigenvalues decide). λ_max ≤ tr S, so a factor of S − τI with
 * τ = max(10⁻¹⁰·tr S, floor) proves λ_min > τ ≥ 10⁻¹⁰·λ_max, up to the factorisation's
 * backward error (a perturbation of about L·u·tr S: 5·10⁻¹³ tr S at L = 4096, far inside
 * 10⁻¹⁰); λ_max ≥ tr S / L bounds the spread from below. Why: the eigenvalues cost a
 * tridiagonalisation, (4/3)L³ flops, 66 s at L = 4096 in bench/large.md, where the factor is
 * L³/3 (about a third of that).
 */
export function provesFullRank(c: Centring, covariance: Float64Array, L: number, floor = 0): boolean {
  let trace = 0;
  for (let a = 0; a < L; a++) trace += covariance[a * L + a];
  if (!(trace > 0) || !(Math.sqrt(trace / L) > 1e-10 * c.maxAbs * c.scale)) return false;
  const shifted = Float64Array.from(covariance.subarray(0, L * L));
  const tau = Math.max(1e-10 * trace, floor);
  for (let a = 0; a < L; a++) shifted[a * L + a] -= tau;
  return choleskyInPlace(shifted, L);
}

/**
 * Whether S has full rank in `hasFullRank`'s sense with its smallest eigenvalue above
 * `floor`: above Jacobi's range a Cholesky certificate (`provesFullRank`) settles a full-rank
 * S, and S's extreme eigenvalues decide the rest (returned, for the caller's message).
 */
export function rankVerdict(c: Centring, covariance: Float64Array, L: number, floor = 0): { full: true } | { full: false; ends: { top: number; bottom: number } } {
  if (L > JACOBI_MAX_N && provesFullRank(c, covariance, L, floor)) return { full: true };
  const ends = spectrumEnds(covariance, L);
  return ends.bottom > floor && hasFullRank(ends, c) ? { full: true } : { full: false, ends };
}

/** Θ is identifiable only if the centred columns have full rank: say why not, naming an outlier when one item is the cause. */
export function checkRank(c: Centring, covariance: Float64Array, p: number, L: number): void {
  const verdict = rankVerdict(c, covariance, L);
  if (verdict.full) return;
  const { ends } = verdict;
  const [topInUnits, bottomInUnits] = [ends.top / c.scale ** 2, ends.bottom / c.scale ** 2];
  const outlier = dominantItem(c.centred, p, L);
  if (outlier) {
    fail(
      'rank-deficient',
      `item ${outlier.j} is an outlier: its row carries ${(100 * outlier.share).toFixed(4)}% of the features' total spread about their mean, ` +
        `so it alone spans the design covariance (eigenvalues from ${topInUnits.toExponential(3)} down to ${bottomInUnits.toExponential(3)}) and θ is not identifiable along the rest. ` +
        `Check row ${outlier.j} of the features (a unit or parsing error?), or drop that item.`,
    );
  }
  fail(
    'rank-deficient',
    `the centred feature columns are rank deficient (covariance eigenvalues from ${topInUnits.toExponential(3)} down to ${bottomInUnits.toExponential(3)}): ` +
      'θ is not identifiable. Drop constant or collinear feature columns' + (p <= L ? ` (note p = ${p} ≤ L = ${L})` : '') + '.',
  );
}

/**
 * The item whose centred row carries over 90% of the features' total sum of squares, or
 * null. (Its own row dominates even after centring, though centring spreads 1/p of it over
 * every other row.)
 */
function dominantItem(centred: FloatArray, p: number, L: number): { j: number; share: number } | null {
  let total = 0;
  let best = { j: 0, ss: -1 };
  for (let j = 0; j < p; j++) {
    let ss = 0;
    for (let l = 0; l < L; l++) ss += centred[j * L + l] ** 2;
    total += ss;
    if (ss > best.ss) best = { j, ss };
  }
  const share = best.ss / total;
  return share > 0.9 ? { j: best.j, share } : null;
}
