/**
 * Runaway components, named: a component whose atom has no finite maximiser (its target
 * mean lies on the boundary of the convex hull of the x_j) climbs towards a softmax on a
 * face of the hull, a handful of items. The fit carries such components on (README,
 * "Runaway components"); the result says which they are, how far their scores spread and
 * which items they sit on.
 */
import { norm2, quadraticNorm } from '../math/linalg.ts';
import { mixtureLogProbabilities } from './mixture.ts';

/** Spread of the scores (√(θᵀSθ), nats) above which a component is reported as runaway. */
export const RUNAWAY_SPREAD = 25;
/** Items listed per runaway component. */
export const RUNAWAY_TOP_ITEMS = 5;
/**
 * A component whose softmax puts at least this much on its RUNAWAY_TOP_ITEMS top items is
 * reported too: it has run off onto a face of the hull far enough that the gain still to come
 * along its atom is below the fit's target (it stopped there), whatever its spread.
 */
export const RUNAWAY_MASS = 0.99;

export interface RunawayComponent {
  /** the component, in the result's order (by weight) */
  component: number;
  /** the standard deviation of its scores x_j·θ_k over the items, √(θ_kᵀSθ_k), in nats */
  scoreSpread: number;
  /** |θ_k| in the caller's units */
  atomNorm: number;
  /** the items with the largest probability under its softmax, largest first */
  items: { item: number; probability: number }[];
  /** the probability its softmax puts on those items together */
  mass: number;
}

/**
 * The runaway components of (α, Θ): those whose score spread exceeds RUNAWAY_SPREAD or
 * whose softmax has RUNAWAY_MASS on its top RUNAWAY_TOP_ITEMS items.
 * `features` p×L (any centring: a softmax does not see a shift), `theta` K×L in the same
 * units, `covariance` S of those features, `atomScale` turns |θ| into the caller's units.
 */
export function runawayComponents(features: ArrayLike<number>, p: number, L: number, theta: ArrayLike<number>, K: number, covariance: ArrayLike<number>, atomScale = 1): RunawayComponent[] {
  const out: RunawayComponent[] = [];
  for (let k = 0; k < K; k++) {
    const spread = quadraticNorm(covariance, theta, L, k * L);
    // log σ_kj: the log-probabilities of a one-component mixture at θ_k
    const logSigma = mixtureLogProbabilities(features, p, L, { alpha: Float64Array.of(1), theta: Float64Array.from({ length: L }, (_, a) => theta[k * L + a]) });
    const items = topIndices(logSigma, RUNAWAY_TOP_ITEMS).map((j) => ({ item: j, probability: Math.exp(logSigma[j]) }));
    const mass = items.reduce((s, i) => s + i.probability, 0);
    if (!(spread > RUNAWAY_SPREAD) && !(mass >= RUNAWAY_MASS)) continue;
    out.push({ component: k, scoreSpread: spread, atomNorm: norm2(theta, L, k * L) * atomScale, items, mass });
  }
  return out;
}

/** Indices of the n largest values, largest first (one pass: n is small). */
function topIndices(values: Float64Array, n: number): number[] {
  const top: number[] = [];
  for (let j = 0; j < values.length; j++) {
    if (top.length === n && values[j] <= values[top[n - 1]]) continue;
    let i = Math.min(top.length, n - 1);
    top[i] = j;
    while (i > 0 && values[top[i - 1]] < values[j]) {
      top[i] = top[i - 1];
      top[--i] = j;
    }
  }
  return top;
}
