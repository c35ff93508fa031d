/**
 * Covariances of the estimate from the information A = −∇²ℓ_λ and the meat B (information.ts):
 * the observed-information covariance A⁻¹ and the sandwich A⁻¹ B A⁻¹.
 *
 * The coordinates have different units (η against θ, and θ in the features' units), so A is
 * first scaled to unit diagonal, C = D^{-1/2} A D^{-1/2}: its eigenvalues say how well the
 * data determine each direction regardless of units, and (C⁻¹)_ii is the variance inflation
 * of coordinate i (1 for a coordinate uncorrelated with the rest).
 *
 * A direction with an eigenvalue of C below `floor` is not determined: the information is
 * (numerically) singular along it, as for a runaway atom (ℓ flat towards its face) or two
 * components at the same atom (their atoms or weights trade off). The floor is the relative
 * precision of A's entries (sums over p in the engine's arithmetic, centred on the host), so
 * such an eigenvalue is noise. The components that carry at least a tenth of such a direction
 * are reported undetermined; the covariance is the pseudo-inverse over the determined
 * directions, so the other components keep their errors, and the undetermined ones get none.
 * The eigen-decomposition is needed only when C has no Cholesky factor or may hold an
 * eigenvalue below the floor (λ_min ≥ 1/trace(C⁻¹) tells when it cannot).
 */
import { choleskyInPlace, choleskySolve, symmetricEigen } from '../math/linalg.ts';

export interface CovarianceInput {
  /** the information, n×n row-major (symmetric) */
  information: Float64Array;
  /** the meat, n×n row-major */
  meat: Float64Array;
  n: number;
  /** the component each coordinate belongs to */
  componentOf: Int32Array;
  /** coordinates held fixed (a runaway atom's): no error, and no part in the others' */
  excluded: boolean[];
  /** eigenvalues of the unit-diagonal information below this are not resolved */
  floor: number;
}

export interface Covariances {
  /** A⁻¹ over the determined coordinates (0 rows and columns elsewhere), n×n */
  observed: Float64Array;
  /** A⁻¹ B A⁻¹, the same way */
  robust: Float64Array;
  /** coordinates with an error */
  determined: boolean[];
  /** components that carry an undetermined direction, with the other components it involves */
  undetermined: Map<number, Set<number>>;
  /** variance inflation (C⁻¹)_ii of each determined coordinate (0 elsewhere) */
  inflation: Float64Array;
}

export function covariances(inp: CovarianceInput): Covariances {
  const { n, information: A, componentOf } = inp;
  const undetermined = new Map<number, Set<number>>();
  const flag = (k: number, with_: Iterable<number>) => {
    const set = undetermined.get(k) ?? new Set<number>();
    for (const j of with_) if (j !== k) set.add(j);
    undetermined.set(k, set);
  };
  // coordinates with no curvature of their own cannot be scaled: undetermined at once
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    if (inp.excluded[i]) continue;
    if (A[i * n + i] > 0 && Number.isFinite(A[i * n + i])) kept.push(i);
    else flag(componentOf[i], []);
  }
  let inverse = scaledInverse(A, n, kept, inp.floor);
  if (inverse.dropped.length > 0) {
    // the components each dropped direction lives on
    for (const v of inverse.dropped) {
      const mass = new Map<number, number>();
      v.forEach((vi, a) => mass.set(componentOf[kept[a]], (mass.get(componentOf[kept[a]]) ?? 0) + vi * vi));
      const carriers = [...mass].filter(([, m]) => m >= 0.1).map(([k]) => k);
      for (const k of carriers) flag(k, carriers);
    }
    // once a component is undetermined, its coordinates leave the rest
    const remaining = kept.filter((i) => !undetermined.has(componentOf[i]));
    if (remaining.length < kept.length) inverse = scaledInverse(A, n, remaining, inp.floor);
  }
  const rows = inverse.coordinates;
  const m = rows.length;
  const observed = new Float64Array(n * n);
  const inflation = new Float64Array(n);
  const determined = new Array<boolean>(n).fill(false);
  for (let a = 0; a < m; a++) {
    determined[rows[a]] = true;
    inflation[rows[a]] = inverse.scaled[a * m + a];
    for (let b = 0; b < m; b++) observed[rows[a] * n + rows[b]] = inverse.scaled[a * m + b] * inverse.scale[a] * inverse.scale[b];
  }
  return { observed, robust: sandwich(observed, inp.meat, n, rows), determined, undetermined, inflation };
}

interface ScaledInverse {
  coordinates: number[];
  /** D^{-1/2} of those coordinates */
  scale: Float64Array;
  /** C⁻¹ (or its pseudo-inverse), m×m */
  scaled: Float64Array;
  /** unit eigenvectors of C (over `coordinates`) left out for lying below the floor */
  dropped: Float64Array[];
}

/** C = D^{-1/2} A D^{-1/2} over `coords`, inverted by Cholesky, or by eigenvalues above the floor. */
function scaledInverse(A: Float64Array, n: number, coords: number[], floor: number): ScaledInverse {
  const m = coords.length;
  const scale = Float64Array.from(coords, (i) => 1 / Math.sqrt(A[i * n + i]));
  const C = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) C[a * m + b] = A[coords[a] * n + coords[b]] * scale[a] * scale[b];
  if (m === 0) return { coordinates: coords, scale, scaled: C, dropped: [] };
  const factor = Float64Array.from(C);
  if (choleskyInPlace(factor, m)) {
    const inv = new Float64Array(m * m);
    const unit = new Float64Array(m);
    for (let b = 0; b < m; b++) {
      unit.fill(0);
      unit[b] = 1;
      inv.set(choleskySolve(factor, m, unit), b * m); // column b of a symmetric inverse = row b
    }
    let trace = 0;
    for (let a = 0; a < m; a++) trace += inv[a * m + a];
    // λ_min ≥ 1/trace(C⁻¹) and λ_max ≤ trace(C) = m: nothing can lie below the floor
    if (1 / trace > floor) return { coordinates: coords, scale, scaled: inv, dropped: [] };
  }
  const eig = symmetricEigen(C, m);
  const scaled = new Float64Array(m * m);
  const dropped: Float64Array[] = [];
  for (let k = 0; k < m; k++) {
    const lambda = eig.values[k];
    const v = Float64Array.from({ length: m }, (_, i) => eig.vectors[i * m + k]);
    if (!(lambda > floor)) {
      dropped.push(v);
      continue;
    }
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) scaled[a * m + b] += (v[a] * v[b]) / lambda;
  }
  return { coordinates: coords, scale, scaled, dropped };
}

/** V B V over the coordinates `rows` (V zero elsewhere). */
function sandwich(V: Float64Array, B: Float64Array, n: number, rows: number[]): Float64Array {
  const VB = new Float64Array(n * n);
  for (const i of rows) for (const k of rows) {
    const v = V[i * n + k];
    if (v === 0) continue;
    for (const j of rows) VB[i * n + j] += v * B[k * n + j];
  }
  const out = new Float64Array(n * n);
  for (const i of rows) for (const k of rows) {
    const v = VB[i * n + k];
    if (v === 0) continue;
    for (const j of rows) out[i * n + j] += v * V[k * n + j];
  }
  return out;
}
