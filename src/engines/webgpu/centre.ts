/**
 * Where the fused E-step with the statistics (softmax-plan.ts buildFused) centres σ's
 * Gram matrices. The pass forms the means in the same read of X as the Gram, so the
 * centre c_k has to be known before it: the host writes the σ-means an earlier pass
 * at this K found (or the caller's hint), and checks afterwards how far off they were.
 *
 * Why the check: the device sums G = Σ σ (x − c)(x − c)ᵀ in float32 with an error of
 * about n·u·Σ σ |x_a − c_a||x_b − c_b|, and the host's float64 finish (finish.ts)
 * subtracts (m − c)(m − c)ᵀ exactly. Per coordinate, Σ σ (x_a − c_a)² = v_a + d_a² with
 * v_a the variance and d_a = m_a − c_a, so a centre off by d_a multiplies the error
 * relative to the covariance by at most (1 + d_a²/v_a) over centring at the mean itself.
 * Above MAX_CENTRE_EXCESS the engine redoes the pass centred at the means it found.
 */
import { SoftmixError } from '../../errors.ts';
import type { SoftmaxStats } from '../engine.ts';
import { checkFinite } from './checks.ts';

/** The largest d_a²/v_a taken: the covariance's rounding at most 16× that of centring at the mean. */
export const MAX_CENTRE_EXCESS = 15;

/** The σ-means of the last pass at each K (a start: 0, the mean of the centred features). */
export class CentreHints {
  private readonly last = new Map<number, Float32Array<ArrayBuffer>>();

  constructor(private readonly L: number) {}

  /** The caller's hint (checked: K × L finite values), else the last means at K. */
  choose(K: number, hint?: Float64Array): Float32Array<ArrayBuffer> {
    if (!hint) return this.at(K);
    if (hint.length !== K * this.L) throw new SoftmixError('shape', `stats.centre must hold K·L = ${K * this.L} values, got ${hint.length}`);
    checkFinite('stats.centre', hint);
    return Float32Array.from(hint);
  }

  at(K: number): Float32Array<ArrayBuffer> {
    return this.last.get(K) ?? new Float32Array(K * this.L);
  }

  remember(K: number, mean: Float64Array): void {
    this.last.set(K, Float32Array.from(mean));
  }
}

/**
 * True when some component's centre was further than MAX_CENTRE_EXCESS variances from
 * its mean in some coordinate (where there is no variance: further than float32 resolves).
 */
export function poorlyCentred(stats: SoftmaxStats, centre: Float32Array, K: number, L: number): boolean {
  const { mean, covariance } = stats;
  if (!mean || !covariance) throw new Error('poorlyCentred: the pass left no mean or covariance');
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < L; a++) {
      const [m, c] = [mean[k * L + a], centre[k * L + a]];
      const d = m - c;
      // a distance at float32's resolution of the point itself is as near as a centre gets
      const resolution = 2 * 2 ** -24 * Math.max(Math.abs(m), Math.abs(c));
      if (d * d > MAX_CENTRE_EXCESS * Math.max(covariance[k * L * L + a * L + a], 0) + resolution * resolution) return true;
    }
  }
  return false;
}
