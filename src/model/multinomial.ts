/**
 * Exact multinomial counts: n ~ Multinomial(N, π) by conditional binomials,
 * n_j ~ Binomial(N − n_1 − … − n_{j−1}, π_j / (π_j + … + π_p)), the tail masses summed from
 * the end so the last item with mass takes what is left exactly. p binomial draws
 * (thinning.ts), whatever N is; the parametric bootstrap (src/fit/bootstrap.ts) draws its
 * count vectors so.
 */
import type { Rng } from '../math/rng.ts';
import { fail } from '../errors.ts';
import { sampleBinomial } from './thinning.ts';

export function sampleMultinomial(rng: Rng, N: number, pi: ArrayLike<number>): Float64Array {
  if (!Number.isSafeInteger(N) || N < 0) fail('counts', `a multinomial sample needs a whole number of draws N ≥ 0, got ${N}`);
  const p = pi.length;
  const tail = new Float64Array(p + 1);
  for (let j = p - 1; j >= 0; j--) {
    if (!(pi[j] >= 0) || !Number.isFinite(pi[j])) fail('not-finite', `π[${j}] = ${pi[j]} is not a probability`);
    tail[j] = tail[j + 1] + pi[j];
  }
  if (!(tail[0] > 0)) fail('counts', 'π has no mass: every probability is 0');
  const counts = new Float64Array(p);
  let left = N;
  for (let j = 0; j < p && left > 0; j++) {
    if (pi[j] === 0) continue;
    const f = tail[j + 1] > 0 ? Math.min(pi[j] / tail[j], 1) : 1;
    counts[j] = sampleBinomial(rng, left, f);
    left -= counts[j];
  }
  return counts;
}
