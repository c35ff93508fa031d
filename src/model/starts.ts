/**
 * Starting points for EM. `random`: uniform α and atoms θ_k = S^{-1/2} g_k with
 * g_k ~ N(0, I/L), i.e. unit-scale random directions in standardised coordinates, so
 * the start's scores are O(1) whatever the scale of the features.
 */
import { Rng } from '../math/rng.ts';
import { spectralFunction, symmetricEigen, matVec } from '../math/linalg.ts';
import type { MixtureParams } from './mixture.ts';

export type StartKind = 'random' | 'explicit' | 'mom' | 'subspace' | 'cluster';

export interface StartPoint extends MixtureParams {
  kind: StartKind;
  seed?: number;
}

/** S^{-1/2} for the design covariance S (L×L, SPD after the rank check). */
export function inverseSqrt(covariance: Float64Array, L: number): Float64Array {
  return spectralFunction(symmetricEigen(covariance, L), L, (v) => 1 / Math.sqrt(v));
}

export function randomStart(K: number, L: number, covarianceInvSqrt: Float64Array, seed: number): StartPoint {
  const rng = new Rng(seed);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const g = rng.normals(L).map((v) => v / Math.sqrt(L));
    theta.set(matVec(covarianceInvSqrt, L, L, g), k * L);
  }
  return { kind: 'random', seed, alpha: new Float64Array(K).fill(1 / K), theta };
}
