/**
 * Symmetric eigen-decomposition for large n: Householder reduction to tridiagonal form, then
 * the implicit QL algorithm with Wilkinson shifts (the method of EISPACK's tred2/tql2),
 * written afresh for row-major Float64Arrays.
 *
 * Why it exists: cyclic Jacobi (`symmetricEigen` for n ≤ 64) costs ~9n³ flops per sweep
 * with ~10 sweeps and walks columns, which is minutes at the L = 768…4096 of large
 * embedding dimensions (the design covariance, the latent second moment). Here the reduction
 * costs (4/3)n³, forming Q another (4/3)n³, and the QL rotations ~6n³, every inner loop
 * streaming along a row: the reduction keeps the lower triangle and applies each rank-2
 * update in the same pass that forms the next matrix–vector product, and the eigenvectors
 * are kept as the ROWS of a work matrix (so a plane rotation touches two contiguous rows),
 * transposed once at the end. `symmetricEigenTop` skips the eigenvector accumulation:
 * all eigenvalues by QL on T (O(n²)), the top r eigenvectors by inverse iteration on T and
 * the stored reflectors, (4/3)n³ + O(n²r) in all.
 *
 * Both are backward stable: the result is exact for A + E with ‖E‖ ~ c·n·ε·‖A‖.
 */
import type { SymmetricEigen } from './linalg.ts';

const EPS = 2 ** -52;
const TINY = 2 ** -1022; // an off-diagonal below the normal range is zero whatever the diagonal

/** Eigenvalues descending, eigenvectors as the columns of a row-major n×n matrix (same contract as `symmetricEigen`). */
export function tridiagonalEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = symmetricCopy(matrix, n);
  if (!a) return { values: new Float64Array(n).fill(NaN), vectors: new Float64Array(n * n).fill(NaN) };
  const [d, e, tau] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  tridiagonalize(a, n, d, e, tau);
  formQTransposed(a, n, tau);
  implicitQL(d, e, n, a);
  const order = descending(d);
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) values[k] = d[order[k]];
  // vectors[i][k] = a[order[k]][i]: a blocked transpose
  const vectors = new Float64Array(n * n);
  for (let k0 = 0; k0 < n; k0 += 32) {
    for (let i0 = 0; i0 < n; i0 += 32) {
      for (let k = k0; k < Math.min(n, k0 + 32); k++) {
        for (let i = i0, src = order[k] * n; i < Math.min(n, i0 + 32); i++) vectors[i * n + k] = a[src + i];
      }
    }
  }
  return { values, vectors };
}

/**
 * All n eigenvalues (descending) and only the top r eigenvectors: `vectors` is row-major
 * n×r, column k the eigenvector of values[k]. Eigenvectors of the tridiagonal T come from
 * inverse iteration, reorthogonalised within clusters (eigenvalues closer than 10⁻³‖T‖, as
 * LAPACK's dstein does), then go back through the reflectors. r = 0 gives eigenvalues only.
 */
export function symmetricEigenTop(matrix: Float64Array, n: number, r: number): SymmetricEigen {
  r = Math.max(0, Math.min(n, Math.floor(r)));
  const a = symmetricCopy(matrix, n);
  if (!a) return { values: new Float64Array(n).fill(NaN), vectors: new Float64Array(n * r).fill(NaN) };
  const [d, e, tau] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  tridiagonalize(a, n, d, e, tau);
  const td = Float64Array.from(d);
  const te = Float64Array.from(e);
  implicitQL(d, e, n, null);
  const order = descending(d);
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) values[k] = d[order[k]];
  const y = tridiagonalVectors(td, te, n, values, r);
  // back through the reflectors: y ← H_0 H_1 ⋯ H_{n−3} y, v_k stored in row k right of the diagonal
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const vo = k * n;
    for (let q = 0; q < r; q++) {
      const yo = q * n;
      let s = 0;
      for (let j = k + 1; j < n; j++) s += a[vo + j] * y[yo + j];
      s *= t;
      for (let j = k + 1; j < n; j++) y[yo + j] -= s * a[vo + j];
    }
  }
  const vectors = new Float64Array(n * r);
  for (let q = 0; q < r; q++) for (let i = 0; i < n; i++) vectors[i * r + q] = y[q * n + i];
  return { values, vectors };
}

/** The lower triangle of (A + Aᵀ)/2 (exactly A's when A is symmetric), or null when A has a non-finite entry. */
function symmetricCopy(matrix: Float64Array, n: number): Float64Array | null {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = matrix[i * n + j];
      const y = matrix[j * n + i];
      a[i * n + j] = x === y ? x : 0.5 * x + 0.5 * y;
    }
  }
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(a[i])) return null;
  return a;
}

/** Indices of d by value, largest first. */
function descending(d: Float64Array): Int32Array {
  return Int32Array.from(d.keys()).sort((i, j) => d[j] - d[i] || i - j);
}

/**
 * Qᵀ A Q = T with Q = H_0 H_1 ⋯ H_{n−3}, H_k = I − τ_k v_k v_kᵀ acting on indices k+1…n−1
 * (v_k[k+1] = 1). Uses and overwrites the lower triangle of a; leaves d (diagonal of T),
 * e (e[k] = T[k+1][k], e[n−1] = 0), τ, and v_k in row k right of the diagonal.
 *
 * Step k reflects the (updated) column k below the diagonal onto e_{k+1}; the trailing block
 * then becomes H A₂₂ H = A₂₂ − v wᵀ − w vᵀ with p = τ A₂₂ v, w = p − (τ/2)(pᵀv) v. That
 * update is not applied at once: step k+1 applies it to column k+1 (all the Householder
 * vector needs), then to each row of the lower triangle while the same row feeds p.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  // (vPrev, wPrev): the pending update of the previous step (zero at k = 0); (v, w): this step's
  let [vPrev, wPrev, v, w] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let k = 0; k < n; k++) {
    const vk = vPrev[k], wk = wPrev[k];
    d[k] = a[k * n + k] - 2 * vk * wk;
    if (k === n - 1) break;
    // x = the updated column k below the diagonal, kept in v[k+1..]
    let big = 0;
    for (let i = k + 1; i < n; i++) {
      const x = a[i * n + k] - (vPrev[i] * wk + wPrev[i] * vk);
      v[i] = x;
      if (i > k + 1) big = Math.max(big, Math.abs(x));
    }
    const alpha = v[k + 1];
    let tail = 0; // ‖x[k+2..]‖, scaled against over- and underflow
    if (big > 0) {
      let s = 0;
      for (let i = k + 2; i < n; i++) s += (v[i] / big) ** 2;
      tail = big * Math.sqrt(s);
    }
    const vo = k * n;
    if (tail === 0) {
      // already tridiagonal in this column: H_k = I
      e[k] = alpha;
      tau[k] = 0;
      v.fill(0, k + 1);
    } else {
      const beta = (alpha >= 0 ? -1 : 1) * Math.hypot(alpha, tail);
      const denom = alpha - beta; // |denom| ≥ |beta| ≥ tail > 0
      e[k] = beta;
      tau[k] = (beta - alpha) / beta;
      v[k + 1] = 1;
      for (let i = k + 2; i < n; i++) v[i] /= denom;
    }
    for (let j = k + 1; j < n; j++) a[vo + j] = v[j];
    // one pass: the pending update on rows k+1.., columns k+1..i, and p = A₂₂ v
    const p = w;
    p.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const ro = i * n;
      const vi = vPrev[i], wi = wPrev[i], ui = v[i];
      let s = 0;
      for (let j = k + 1; j < i; j++) {
        const aij = a[ro + j] - vi * wPrev[j] - wi * vPrev[j];
        a[ro + j] = aij;
        s += aij * v[j];
        p[j] += aij * ui;
      }
      const aii = a[ro + i] - 2 * vi * wi;
      a[ro + i] = aii;
      p[i] += s + aii * ui;
    }
    const t = tau[k];
    let pv = 0;
    for (let j = k + 1; j < n; j++) pv += p[j] * v[j];
    const half = 0.5 * t * t * pv;
    for (let j = k + 1; j < n; j++) w[j] = t * p[j] - half * v[j];
    const vt = vPrev, wt = wPrev;
    vPrev = v;
    wPrev = w;
    v = vt;
    w = wt;
  }
  e[n - 1] = 0;
}

/**
 * Overwrites a with Qᵀ = H_{n−3} ⋯ H_0, built from the right end: P ← P H_k H_{k−1}, where
 * P = H_{n−3} ⋯ H_{k+1} is the identity outside rows and columns k+2…. Two reflectors share
 * one pass over each row x of P: with s₁ = τ_k x·v_k, the second needs
 * τ_{k−1} (x − s₁v_k)·v_{k−1} = τ_{k−1} (x·v_{k−1} − s₁ v_k·v_{k−1}), so both dot products
 * come from one sweep along the row and both updates from a second.
 */
function formQTransposed(a: Float64Array, n: number, tau: Float64Array): void {
  const identity = (c: number) => {
    for (let j = c; j < n; j++) a[c * n + j] = 0;
    for (let i = c + 1; i < n; i++) a[i * n + c] = 0;
    a[c * n + c] = 1;
  };
  for (let c = n - 1; c >= Math.max(0, n - 2); c--) identity(c);
  const [v1, v2] = [new Float64Array(n), new Float64Array(n)];
  for (let k = n - 3; k >= 0; k -= 2) {
    const lo = k >= 1 ? k - 1 : k; // the reflectors k and (if any) k − 1
    v1.fill(0, lo + 1);
    v2.fill(0, lo + 1);
    for (let j = k + 1; j < n; j++) v1[j] = a[k * n + j]; // copied before rows k, k+1 become e_k, e_{k+1}
    if (lo < k) for (let j = k; j < n; j++) v2[j] = a[lo * n + j];
    identity(k + 1);
    if (lo < k) identity(k);
    const t1 = tau[k], t2 = lo < k ? tau[lo] : 0;
    let gamma = 0;
    for (let j = k + 1; j < n; j++) gamma += v1[j] * v2[j];
    for (let i = lo + 1; i < n; i++) {
      const ro = i * n;
      let d1 = 0, d2 = 0;
      for (let j = lo + 1; j < n; j++) {
        const x = a[ro + j];
        d1 += x * v1[j];
        d2 += x * v2[j];
      }
      const s1 = t1 * d1, s2 = t2 * (d2 - s1 * gamma);
      for (let j = lo + 1; j < n; j++) a[ro + j] -= s1 * v1[j] + s2 * v2[j];
    }
  }
  identity(0);
}

/**
 * Eigenvalues of the symmetric tridiagonal (d, e) into d, by implicit QL with Wilkinson
 * shifts; when z is given (n×n, row-major), each step's plane rotations of T are applied to its
 * rows (z holds the eigenvectors as rows: Qᵀ in, Sᵀ Qᵀ out). One QL step on an unreduced block
 * l…m: the shift σ is the eigenvalue of T's top 2×2 nearer d[l]; the first rotation, in the
 * plane (m−1, m), zeroes the upper entry of (T − σI)'s last column; its similarity leaves a
 * bulge at T[m][m−2]. Each next rotation, in the plane (i, i+1), zeroes the bulge T[i+2][i]
 * and pushes it up to T[i+1][i−1], until it leaves the block at l. e[m] splits the matrix
 * when |e[m]| ≤ ε(|d[m]| + |d[m+1]|): a perturbation below ε‖T‖, relative to its neighbours.
 */
function implicitQL(d: Float64Array, e: Float64Array, n: number, z: Float64Array | null): void {
  let budget = 30 * n + 30;
  const rc = new Float64Array(n); // the step's rotations, rc[i] and rs[i] in the plane (i, i+1)
  const rs = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    for (;;) {
      let m = l;
      while (m < n - 1 && !(Math.abs(e[m]) <= EPS * (Math.abs(d[m]) + Math.abs(d[m + 1])) || Math.abs(e[m]) <= TINY)) m++;
      if (m === l) break;
      if (--budget < 0) throw new Error(`tridiagonalEigen: QL did not converge (n = ${n})`);
      const g = (d[l + 1] - d[l]) / (2 * e[l]);
      const sigma = d[l] - e[l] / (g + (g >= 0 ? 1 : -1) * Math.hypot(g, 1));
      let x = d[m] - sigma; // the pair (y at i, x at i+1) whose i-component the rotation zeroes
      let y = e[m - 1];
      for (let i = m - 1; i >= l; i--) {
        const r = Math.hypot(x, y);
        const c = r === 0 ? 1 : x / r;
        const s = r === 0 ? 0 : y / r;
        if (i < m - 1) e[i + 1] = r;
        const di = d[i], dj = d[i + 1], ei = e[i], cs = c * s;
        d[i] = c * c * di - 2 * cs * ei + s * s * dj;
        d[i + 1] = s * s * di + 2 * cs * ei + c * c * dj;
        e[i] = cs * (di - dj) + (c * c - s * s) * ei;
        if (i > l) {
          y = s * e[i - 1];
          e[i - 1] *= c;
          x = e[i];
        }
        rc[i] = c;
        rs[i] = s;
      }
      if (z) rotateRows(z, n, l, m, rc, rs);
    }
  }
}

/**
 * One QL step's rotations on the rows of z: for i = m−1 down to l, rows (i, i+1) ←
 * (c row_i − s row_{i+1}, s row_i + c row_{i+1}). Four consecutive rotations share one pass
 * over the columns, the row between two of them carried in a register: 5 row loads and
 * stores for 4 rotations instead of 8 (about twice as fast in V8).
 */
function rotateRows(z: Float64Array, n: number, l: number, m: number, rc: Float64Array, rs: Float64Array): void {
  let i = m - 1;
  for (; i - 3 >= l; i -= 4) {
    const c1 = rc[i], c2 = rc[i - 1], c3 = rc[i - 2], c4 = rc[i - 3];
    const s1 = rs[i], s2 = rs[i - 1], s3 = rs[i - 2], s4 = rs[i - 3];
    const r4 = (i + 1) * n, r3 = r4 - n, r2 = r3 - n, r1 = r2 - n, r0 = r1 - n;
    for (let k = 0; k < n; k++) {
      let t = z[r3 + k];
      const b = z[r4 + k];
      z[r4 + k] = s1 * t + c1 * b;
      t = c1 * t - s1 * b;
      let a = z[r2 + k];
      z[r3 + k] = s2 * a + c2 * t;
      t = c2 * a - s2 * t;
      a = z[r1 + k];
      z[r2 + k] = s3 * a + c3 * t;
      t = c3 * a - s3 * t;
      a = z[r0 + k];
      z[r1 + k] = s4 * a + c4 * t;
      z[r0 + k] = c4 * a - s4 * t;
    }
  }
  for (; i >= l; i--) {
    const c = rc[i], s = rs[i], ri = i * n, rj = ri + n;
    if (s === 0) continue;
    for (let k = 0; k < n; k++) {
      const zi = z[ri + k], zj = z[rj + k];
      z[ri + k] = c * zi - s * zj;
      z[rj + k] = s * zi + c * zj;
    }
  }
}

/**
 * Eigenvectors of the tridiagonal (d, e) for values[0..r) (descending), as the rows of an
 * r×n matrix: two or three solves of (T − λI) x = b by Gaussian elimination with partial
 * pivoting (zero pivots replaced by ε‖T‖), each start and solution orthogonalised against
 * the earlier vectors of the same cluster.
 */
function tridiagonalVectors(d: Float64Array, e: Float64Array, n: number, values: Float64Array, r: number): Float64Array {
  const y = new Float64Array(r * n);
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0));
  const gap = 1e-3 * norm;
  const pivotFloor = EPS * (norm || 1); // T = 0: any basis will do, and b / ε gives one
  // U's diagonal, first and second superdiagonals; L's multipliers
  const [u0, u1, u2, mult] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const swapped = new Uint8Array(n);
  let seed = 0x9e3779b9;
  let first = 0; // first vector of the current cluster
  for (let q = 0; q < r; q++) {
    if (q > 0 && values[q - 1] - values[q] > gap) first = q;
    // clustered values are pulled apart a little, so the solves differ (LAPACK's dstein does so)
    const lambda = q > first ? Math.min(values[q], values[q - 1] - 10 * EPS * Math.abs(values[q - 1])) : values[q];
    // factor T − λI = P L U
    let c0 = d[0] - lambda; // the row being eliminated: entries at columns i, i+1
    let c1 = n > 1 ? e[0] : 0;
    for (let i = 0; i < n - 1; i++) {
      const b0 = e[i]; // row i+1: e[i], d[i+1] − λ, e[i+1]
      const b1 = d[i + 1] - lambda;
      const b2 = i + 2 < n ? e[i + 1] : 0;
      swapped[i] = Math.abs(b0) > Math.abs(c0) ? 1 : 0;
      if (swapped[i]) {
        const f = (mult[i] = c0 / b0);
        u0[i] = b0;
        u1[i] = b1;
        u2[i] = b2;
        c0 = c1 - f * b1;
        c1 = -f * b2;
      } else {
        const f = (mult[i] = c0 === 0 ? 0 : b0 / c0);
        u0[i] = c0;
        u1[i] = c1;
        u2[i] = 0;
        c0 = b1 - f * c1;
        c1 = b2;
      }
      if (Math.abs(u0[i]) < pivotFloor) u0[i] = u0[i] < 0 ? -pivotFloor : pivotFloor;
    }
    u0[n - 1] = Math.abs(c0) < pivotFloor ? (c0 < 0 ? -pivotFloor : pivotFloor) : c0;
    const x = y.subarray(q * n, (q + 1) * n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      x[i] = seed / 2 ** 32 - 0.5;
    }
    for (let it = 0; it < 3; it++) {
      orthonormalise(y, x, n, first, q);
      // solve P L U x = x: forward through the eliminations, then back through U
      for (let i = 0; i < n - 1; i++) {
        const xi = x[i];
        if (swapped[i]) {
          x[i] = x[i + 1];
          x[i + 1] = xi - mult[i] * x[i];
        } else x[i + 1] -= mult[i] * xi;
      }
      for (let i = n - 1; i >= 0; i--) {
        let s = x[i];
        if (i + 1 < n) s -= u1[i] * x[i + 1];
        if (i + 2 < n) s -= u2[i] * x[i + 2];
        x[i] = s / u0[i];
        // tiny pivots can grow x without bound: scale the whole system (solved part and rhs) down
        if (Math.abs(x[i]) > 2 ** 600) for (let j = 0; j < n; j++) x[j] *= 2 ** -600;
      }
    }
    orthonormalise(y, x, n, first, q);
  }
  return y;
}

/** x ← x minus its components along rows first…q−1 of y (modified Gram–Schmidt), then scaled to unit length. */
function orthonormalise(y: Float64Array, x: Float64Array, n: number, first: number, q: number): void {
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(x[i]));
  if (big > 0 && Number.isFinite(big)) for (let i = 0; i < n; i++) x[i] /= big;
  for (let p = first; p < q; p++) {
    const o = p * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += y[o + i] * x[i];
    for (let i = 0; i < n; i++) x[i] -= s * y[o + i];
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  const f = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < n; i++) x[i] *= f;
}
