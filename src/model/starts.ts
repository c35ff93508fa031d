/**
 * Starting points for EM. `random`: uniform α and atoms θ_k = S^{-1/2} g_k with
 * g_k ~ N(0, I/L) (θ_k = Aᵀg_k for the fit's whitening A, model/whitening.ts), i.e. unit-scale random directions in standardised coordinates, so
 * the start's scores are O(1) whatever the scale of the features.
 */
import { Rng } from '../math/rng.ts';
import type { MixtureParams } from './mixture.ts';
import type { Whitening } from './whitening.ts';

export type StartKind = 'random' | 'explicit' | 'mom' | 'subspace' | 'cluster';

export interface StartPoint extends MixtureParams {
  kind: StartKind;
  seed?: number;
}

export function randomStart(K: number, L: number, whitening: Whitening, seed: number): StartPoint {
  const rng = new Rng(seed);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const g = rng.normals(L).map((v) => v / Math.sqrt(L));
    theta.set(whitening.atom(g), k * L);
  }
  return { kind: 'random', seed, alpha: new Float64Array(K).fill(1 / K), theta };
}
