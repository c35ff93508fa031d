/**
 * Count splitting (binomial thinning). If n ~ Multinomial(N, π) and every one of the N draws
 * goes to the training part with probability f, independently, then the training counts
 * t_j ~ Binomial(n_j, f) and the rest v = n − t are two independent multinomial samples
 * from the same π, of sizes ~ Binomial(N, f) and N − that. So one count vector gives a
 * validation set without the raw draws: fit on t, score on v (fit/select.ts).
 *
 * The binomials are exact (no normal approximation), because a count can be 1e9 and a
 * validation score that rests on approximate splits would be biased in ways that are hard
 * to see. Everything runs off one seeded Rng, item by item, so a seed gives the same split
 * in Node and in the browser.
 */
import { fail } from '../errors.ts';
import { Rng } from '../math/rng.ts';

/**
 * Below this mean (n·min(f, 1 − f)) a binomial is drawn by inversion: O(mean) steps, and
 * (1 − f)^n ≥ e^−42 stays far from underflow. Above it the order-statistic recursion halves n.
 */
export const INVERSION_MEAN = 30;

/**
 * An exact Binomial(n, f) draw, n a non-negative integer ≤ 2^53 − 1, f ∈ [0, 1].
 *
 * Large n: the order-statistic method (Knuth, TAOCP vol. 2, §3.4.1 F; Devroye 1986, X.4).
 * The count of n uniforms below f is Binomial(n, f). Their a-th smallest, a = ⌊n/2⌋ + 1,
 * is X ~ Beta(a, n + 1 − a). Given X = x: if x > f, the count is the number of the a − 1
 * uniforms below x (i.i.d. on (0, x)) that fall below f: Binomial(a − 1, f/x). Otherwise
 * it is a plus the number of the n − a above x (i.i.d. on (x, 1)) below f:
 * Binomial(n − a, (f − x)/(1 − x)). Each step halves n, so n = 1e9 takes about 25 steps
 * (two gamma draws each) before the mean is small enough for inversion.
 */
export function sampleBinomial(rng: Rng, n: number, f: number): number {
  let offset = 0;
  for (;;) {
    if (n === 0 || f <= 0) return offset;
    if (f >= 1) return offset + n;
    if (n * Math.min(f, 1 - f) < INVERSION_MEAN) return offset + (f <= 0.5 ? inversion(rng, n, f) : n - inversion(rng, n, 1 - f));
    const a = Math.floor(n / 2) + 1;
    const x = rng.beta(a, n + 1 - a);
    if (f < x) {
      n = a - 1;
      f = f / x;
    } else {
      offset += a;
      n = n - a;
      f = (f - x) / (1 - x);
    }
  }
}

/** Binomial(n, f) by sequential search of the cdf, f ≤ 1/2 and n·f small (see INVERSION_MEAN). */
function inversion(rng: Rng, n: number, f: number): number {
  const q = 1 - f;
  const ratio = f / q;
  const p0 = Math.exp(n * Math.log1p(-f));
  for (;;) {
    let u = rng.uniform();
    let pk = p0;
    for (let k = 0; k <= n; k++) {
      if (u < pk) return k;
      u -= pk;
      pk *= (ratio * (n - k)) / (k + 1);
      if (pk === 0) break; // past the mode the pmf underflows within a few hundred steps, long before k = n
    }
    // u landed in the cdf's rounding deficit (about 1e-16): draw again rather than bias the tail
  }
}

/** The counts as float64, each a non-negative integer (what thinning needs), or a 'counts' error naming the first bad one. */
function checkCounts(counts: ArrayLike<number>, what: string): Float64Array {
  if (!counts || typeof counts.length !== 'number') fail('counts', `${what}: counts must be an array of non-negative integers`);
  const n = new Float64Array(counts.length);
  for (let j = 0; j < counts.length; j++) {
    const v = counts[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail('counts', `${what}: counts[${j}] = ${String(v)} is not a finite number`);
    if (v < 0) fail('counts', `${what}: counts[${j}] = ${v} is negative`);
    if (!Number.isInteger(v)) {
      fail('counts', `${what}: counts[${j}] = ${v} is not an integer: splitting counts into parts needs whole draws (fractional weights cannot be thinned)`);
    }
    if (v > Number.MAX_SAFE_INTEGER) fail('counts', `${what}: counts[${j}] = ${v} is above 2^53 − 1, where integers are not exact in float64`);
    n[j] = v;
  }
  return n;
}

function checkSeed(seed: number, what: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) fail('options', `${what}: seed must be an integer ≥ 0, got ${String(seed)}`);
  return seed;
}

export interface ThinnedCounts {
  /** t_j ~ Binomial(n_j, fraction) */
  train: Float64Array;
  /** n_j − t_j */
  validation: Float64Array;
}

/** Splits every n_j binomially: train_j ~ Binomial(n_j, fraction), validation = n − train (so train + validation = n exactly). */
export function thinCounts(counts: ArrayLike<number>, fraction: number, seed = 1): ThinnedCounts {
  const n = checkCounts(counts, 'thinCounts');
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) fail('options', `thinCounts: fraction must be a number in (0, 1), got ${String(fraction)}`);
  const rng = new Rng(checkSeed(seed, 'thinCounts'));
  const train = new Float64Array(n.length);
  const validation = new Float64Array(n.length);
  for (let j = 0; j < n.length; j++) {
    train[j] = sampleBinomial(rng, n[j], fraction);
    validation[j] = n[j] - train[j];
  }
  return { train, validation };
}

/**
 * Splits every n_j multinomially into `folds` parts of equal probability, by sequential
 * binomials (part i takes Binomial(rest, 1/(folds − i)) of what is left): k independent
 * multinomial samples from π whose sum is exactly n. For k-fold count splitting.
 */
export function foldCounts(counts: ArrayLike<number>, folds: number, seed = 1): Float64Array[] {
  const n = checkCounts(counts, 'foldCounts');
  if (typeof folds !== 'number' || !Number.isInteger(folds) || folds < 1) fail('options', `foldCounts: folds must be an integer ≥ 1, got ${String(folds)}`);
  const rng = new Rng(checkSeed(seed, 'foldCounts'));
  const parts = Array.from({ length: folds }, () => new Float64Array(n.length));
  for (let j = 0; j < n.length; j++) {
    let rest = n[j];
    for (let i = 0; i < folds - 1; i++) {
      const x = sampleBinomial(rng, rest, 1 / (folds - i));
      parts[i][j] = x;
      rest -= x;
    }
    parts[folds - 1][j] = rest;
  }
  return parts;
}
