/**
 * A 2-D view of the atoms: the top two principal axes of the fitted atoms about the
 * origin (eigenvectors of Σ_k θ_k θ_kᵀ), so that θ = 0 — every item equally likely up to
 * the design — stays at the centre and distances within the plane are true distances.
 */
import { symmetricEigen } from '../src/math/linalg.ts';

export interface Plane {
  /** two unit vectors in R^L (the second is zero when L = 1) */
  axes: [Float64Array, Float64Array];
  /** share of Σ_k |θ_k|² the plane holds */
  share: number;
}

export function principalPlane(atoms: number[][], L: number): Plane {
  const m = new Float64Array(L * L);
  for (const t of atoms) for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) m[a * L + b] += t[a] * t[b];
  const { values, vectors } = symmetricEigen(m, L);
  const axis = (i: number) => {
    const v = new Float64Array(L);
    if (i < L) for (let a = 0; a < L; a++) v[a] = vectors[a * L + i];
    // a fixed orientation: the heaviest (first) atom has non-negative coordinates
    const d = atoms.length ? atoms[0].reduce((s, x, a) => s + x * v[a], 0) : 0;
    if (d < 0) v.forEach((x, a) => (v[a] = -x));
    return v;
  };
  let trace = 0;
  for (let a = 0; a < L; a++) trace += m[a * L + a];
  const kept = values[0] + (L > 1 ? values[1] : 0);
  return { axes: [axis(0), axis(1)], share: trace > 0 ? kept / trace : 1 };
}

export function project(theta: number[], plane: Plane): [number, number] {
  let x = 0;
  let y = 0;
  for (let a = 0; a < theta.length; a++) {
    x += theta[a] * plane.axes[0][a];
    y += theta[a] * plane.axes[1][a];
  }
  return [x, y];
}
