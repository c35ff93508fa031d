/**
 * The whitening (model/whitening.ts): z = A x with A S Aᵀ = I, atoms θ = Aᵀβ. Both choices
 * of A (S^{-1/2} up to L = 256, Cholesky's G⁻¹ above) satisfy the same identities, and MoM
 * on exact population moments recovers the same α and θ through either: the rotation
 * between them cancels in every atom the moments give back.
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../src/math/rng.ts';
import { matVec, symmetricEigen } from '../src/math/linalg.ts';
import { designWhitening, SYMMETRIC_WHITENING_MAX_L, type WhiteningMethod } from '../src/model/whitening.ts';
import { momEstimate, type MomSuccess } from '../src/mom/index.ts';
import { randomMixture, randomSpd, matchedErrors, toTheta, PopulationEngine } from './mom/helpers.ts';

const u = 2 ** -53;
const METHODS: WhiteningMethod[] = ['symmetric', 'cholesky'];

/** κ(S) from its eigenvalues. */
function conditionNumber(S: Float64Array, L: number): number {
  const { values } = symmetricEigen(S, L);
  return values[0] / values[L - 1];
}

describe('the whitening A (A S Aᵀ = I)', () => {
  const L = 40;
  const S = randomSpd(L, new Rng(3));
  const kappa = conditionNumber(S, L);
  const lambdaMin = symmetricEigen(S, L).values[L - 1];
  // The factor (an eigendecomposition or Cholesky's) and each product or triangular solve are
  // backward stable with errors ~L·u relative; relative to the whitened scale they grow with
  // κ(S). 64·L·u·κ covers a few such steps with room (about 6·10⁻¹² here, κ ≈ 10).
  const bound = 64 * L * u * kappa;

  for (const method of METHODS) {
    it(`${method}: A S Aᵀ = I, AᵀA S v = v, xᵀ(Aᵀβ) = (Ax)ᵀβ, rows of WᵀA = Aᵀ(columns of W), to 64·L·u·κ`, () => {
      const w = designWhitening(S, L, method);
      expect(w.method).toBe(method);
      const I = w.congruence(S);
      let worst = 0;
      for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) worst = Math.max(worst, Math.abs(I[a * L + b] - (a === b ? 1 : 0)));
      expect(worst).toBeLessThan(bound);

      const rng = new Rng(5);
      const v = rng.normals(L);
      const back = w.atom(w.whiten(matVec(S, L, L, v)));
      const vNorm = Math.max(...v.map(Math.abs));
      for (let i = 0; i < L; i++) expect(Math.abs(back[i] - v[i])).toBeLessThan(bound * vNorm);

      const [x, beta] = [rng.normals(L), rng.normals(L)];
      const [z, theta] = [w.whiten(x), w.atom(beta)];
      let [zb, xt, size] = [0, 0, 0];
      for (let i = 0; i < L; i++) {
        zb += z[i] * beta[i];
        xt += x[i] * theta[i];
        size += Math.abs(x[i] * theta[i]) + Math.abs(z[i] * beta[i]);
      }
      expect(Math.abs(zb - xt)).toBeLessThan(bound * size);

      const K = 3;
      const W = Float64Array.from(rng.normals(L * K));
      const P = w.projection(W, K);
      for (let k = 0; k < K; k++) {
        const col = Float64Array.from({ length: L }, (_, i) => W[i * K + k]);
        const row = w.atom(col);
        if (method === 'cholesky') {
          expect(Array.from(P.subarray(k * L, k * L + L))).toEqual(Array.from(row)); // the same back substitution
          continue;
        }
        // S^{-1/2} by matMul (Wᵀ A) against matVec (A w): two L-term sums, each within
        // L·u·Σ|A_il||w_l| ≤ L·u·‖w‖/√λ_min, and A's own asymmetry (its entries formed as
        // (v_ik f_k) v_jk and (v_jk f_k) v_ik: within L·u/√λ_min each) adds L·u·Σ|w_l|/√λ_min ≤ L^1.5·u·‖w‖/√λ_min
        const bound = (2 * L + L ** 1.5) * u * Math.hypot(...col) / Math.sqrt(lambdaMin);
        for (let i = 0; i < L; i++) expect(Math.abs(P[k * L + i] - row[i])).toBeLessThanOrEqual(bound);
      }
    });
  }

  it(`the fit takes S^{-1/2} up to L = ${SYMMETRIC_WHITENING_MAX_L} and Cholesky's above`, () => {
    for (const n of [SYMMETRIC_WHITENING_MAX_L, SYMMETRIC_WHITENING_MAX_L + 1]) {
      const Sn = randomSpd(n, new Rng(n));
      const w = designWhitening(Sn, n);
      expect(w.method).toBe(n > SYMMETRIC_WHITENING_MAX_L ? 'cholesky' : 'symmetric');
      const I = w.congruence(Sn);
      let worst = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) worst = Math.max(worst, Math.abs(I[a * n + b] - (a === b ? 1 : 0)));
      expect(worst).toBeLessThan(64 * n * u * conditionNumber(Sn, n));
    }
  });

  it('a covariance with no Cholesky factor is refused by name', () => {
    const singular = Float64Array.of(1, 1, 1, 1);
    expect(() => designWhitening(singular, 2, 'cholesky')).toThrow(/no Cholesky factor.*not numerically positive definite/);
  });
});

describe('MoM through either whitening, on exact population moments', () => {
  // the tensor route (K ≤ L) and the univariate route with cross moments (K > L)
  for (const [K, L] of [
    [3, 6],
    [4, 10],
    [3, 2],
  ]) {
    it(`K = ${K}, L = ${L}: Cholesky's whitening recovers α and θ to 1e-8, as S^{-1/2} does (M̂_2 formed${K > L ? '' : ', and by Lanczos'})`, async () => {
      const rng = new Rng(K * 31 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const S = randomSpd(L, rng);
      const truth = toTheta(beta, K, L, S);
      for (const [method, secondMoment] of METHODS.flatMap((m) => (K > L ? (['dense'] as const) : (['dense', 'lanczos'] as const)).map((s) => [m, s] as const))) {
        const design = { covariance: S, whitening: designWhitening(S, L, method) };
        const res = await momEstimate(new PopulationEngine(L, alpha, beta, S), K, design, { seed: 5, secondMoment });
        expect(res.ok).toBe(true);
        const ok = res as MomSuccess;
        expect(ok.diagnostics.route).toBe(K > L ? 'univariate' : 'tensor');
        expect(ok.diagnostics.secondMoment?.method).toBe(secondMoment);
        const e = matchedErrors(ok.alpha, ok.theta, alpha, truth, K, L);
        expect(e.atom).toBeLessThan(1e-8);
        expect(e.weight).toBeLessThan(1e-8);
      }
    });
  }
});
