/**
 * The rank check above Jacobi's range (model/design.ts): a Cholesky factor of S − τI with
 * τ = max(10⁻¹⁰·tr S, floor) proves full rank without S's eigenvalues; where it cannot tell,
 * the extreme eigenvalues decide as before, so the verdict is hasFullRank's.
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../src/math/rng.ts';
import { checkRank, hasFullRank, provesFullRank, spectrumEnds, type Centring } from '../src/model/design.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { SoftmixError } from '../src/errors.ts';

const L = 100;
/** Features of unit magnitude: the spread condition √λ_max > 10⁻¹⁰·max|x| holds with room. */
const unit = { maxAbs: 1, scale: 1 } as Centring;

/** S = H diag(λ) H with the Householder reflection H = I − 2vvᵀ (|v| = 1): not diagonal, eigenvalues λ. */
function withEigenvalues(lambda: Float64Array, seed: number): Float64Array {
  const v = new Rng(seed).normals(L);
  const nv = Math.hypot(...v);
  for (let i = 0; i < L; i++) v[i] /= nv;
  const H = new Float64Array(L * L);
  for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) H[a * L + b] = (a === b ? 1 : 0) - 2 * v[a] * v[b];
  const S = new Float64Array(L * L);
  for (let a = 0; a < L; a++) {
    for (let b = 0; b < L; b++) {
      let s = 0;
      for (let k = 0; k < L; k++) s += H[a * L + k] * lambda[k] * H[b * L + k];
      S[a * L + b] = s;
    }
  }
  return S;
}

/** Eigenvalues from 1 down to 0.5, the last one `bottom`: tr S ≈ 75, λ_max = 1. */
function spectrum(bottom: number): Float64Array {
  const lambda = Float64Array.from({ length: L }, (_, k) => 1 - k / (2 * L));
  lambda[L - 1] = bottom;
  return lambda;
}

describe('the Cholesky certificate of full rank', () => {
  it('proves λ_min > 10⁻¹⁰·tr S, and refuses λ_min below it; the eigenvalues agree where it proves', () => {
    const trace = spectrum(0).reduce((a, b) => a + b, 0);
    const clear = withEigenvalues(spectrum(1e-8 * trace), 1);
    expect(provesFullRank(unit, clear, L)).toBe(true);
    expect(hasFullRank(spectrumEnds(clear, L), unit)).toBe(true);
    for (const bottom of [1e-12 * trace, 0, -1e-3]) { // 7.5e-11 < 10⁻¹⁰·λ_max: below both thresholds
      const S = withEigenvalues(spectrum(bottom), 2);
      expect(provesFullRank(unit, S, L)).toBe(false);
      expect(hasFullRank(spectrumEnds(S, L), unit)).toBe(false);
    }
  });

  it('a floor above λ_min is refused (the engine S check, 2γ·tr S)', () => {
    const S = withEigenvalues(spectrum(1e-4), 3);
    expect(provesFullRank(unit, S, L, 1e-5)).toBe(true);
    expect(provesFullRank(unit, S, L, 1e-3)).toBe(false);
  });

  it('where it cannot tell (10⁻¹⁰·λ_max < λ_min ≤ 10⁻¹⁰·tr S) the eigenvalues decide: full rank passes', () => {
    const S = withEigenvalues(spectrum(1e-9), 4); // λ_max = 1, tr S ≈ 75: 1e-10 < 1e-9 < 7.5e-9
    expect(provesFullRank(unit, S, L)).toBe(false);
    expect(hasFullRank(spectrumEnds(S, L), unit)).toBe(true);
    expect(() => checkRank(unit, S, 1000, L)).not.toThrow();
  });

  it(`designStats at L = ${L}: a full-rank design passes, a collinear one is refused naming its eigenvalues`, () => {
    const p = 400;
    const rng = new Rng(6);
    const features = rng.normals(p * L);
    const counts = new Float64Array(p).fill(1);
    expect(() => designStats(makeDataset({ features, p, L, counts }))).not.toThrow();
    for (let j = 0; j < p; j++) features[j * L + L - 1] = features[j * L] - 2 * features[j * L + 1];
    let err: unknown;
    try {
      designStats(makeDataset({ features, p, L, counts }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SoftmixError);
    expect((err as SoftmixError).code).toBe('rank-deficient');
    expect((err as SoftmixError).message).toMatch(/rank deficient.*eigenvalues/);
  });
});
