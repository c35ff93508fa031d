/**
 * Host dense linear algebra in float64: the L×L Newton solves, K×K and L×L symmetric
 * eigenproblems. Matrices are row-major Float64Arrays with an explicit size.
 */
import { tridiagonalEigen } from './tridiagonal-eigen.ts';

/** In-place Cholesky of the n×n SPD matrix A (lower triangle). Returns false when A is not numerically positive definite. */
export function choleskyInPlace(a: Float64Array, n: number, offset = 0): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[offset + j * n + j];
    for (let k = 0; k < j; k++) d -= a[offset + j * n + k] ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[offset + j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[offset + i * n + j];
      for (let k = 0; k < j; k++) s -= a[offset + i * n + k] * a[offset + j * n + k];
      a[offset + i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b with the factor from `choleskyInPlace`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, offset = 0): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[offset + i * n + k] * x[k];
    x[i] = s / l[offset + i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[offset + k * n + i] * x[k];
    x[i] = s / l[offset + i * n + i];
  }
  return x;
}

export interface SymmetricEigen {
  /** eigenvalues, descending */
  values: Float64Array;
  /** eigenvectors as columns of a row-major n×n matrix, in the order of `values` */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix. Up to n = 64 by cyclic Jacobi rotations
 * (below); above, by Householder tridiagonalisation and implicit QL (`tridiagonalEigen`).
 * Jacobi is ~9n³ flops a sweep for ~10 sweeps with column walks, so minutes at the L of
 * large embeddings (768…4096), where QL is ~9n³ in all; it stays for n ≤ 64 (K, and the
 * L of small problems) so that every small result, and every fit built on one, is the same
 * bit for bit as before the QL path existed. Both are accurate to working precision; the QL
 * path reads (A + Aᵀ)/2, so a slightly asymmetric input is symmetrised, not rejected.
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  if (n > JACOBI_MAX_N) return tridiagonalEigen(matrix, n);
  return jacobiEigen(matrix, n);
}

/** The largest n that `symmetricEigen` hands to Jacobi. */
export const JACOBI_MAX_N = 64;

/** Cyclic Jacobi for any n (`symmetricEigen` uses it up to `JACOBI_MAX_N`; tests compare the two paths through it). */
export function jacobiEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix.subarray(0, n * n));
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j] ** 2;
    if (off <= (1e-17 * scale) ** 2 * n * n || off === 0) break;
    for (let pIdx = 0; pIdx < n; pIdx++) {
      for (let q = pIdx + 1; q < n; q++) {
        const apq = a[pIdx * n + q];
        if (apq === 0) continue;
        const app = a[pIdx * n + pIdx];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + pIdx];
          const akq = a[k * n + q];
          a[k * n + pIdx] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[pIdx * n + k];
          const aqk = a[q * n + k];
          a[pIdx * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + pIdx];
          const vkq = v[k * n + q];
          v[k * n + pIdx] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * f(A) = V diag(f(λ)) Vᵀ for a symmetric matrix given by its eigen-decomposition, as the
 * product (V diag f)(Vᵀ) by matMul: Vᵀ is formed once, so no loop strides down V's columns
 * (it did, n³ times: 3.7 s of S^{-1/2} at n = 1024 in bench/host-time.ts's profile). Each entry sums (v_ik f_k)·v_jk over k
 * in order, as before, so the result is the same to the bit.
 */
export function spectralFunction(eig: SymmetricEigen, n: number, f: (lambda: number) => number): Float64Array {
  const fv = eig.values.map(f);
  const scaled = eig.vectors.map((v, i) => v * fv[i % n]);
  return matMul(scaled, transpose(eig.vectors, n, n), n, n, n);
}

/** y = A x for row-major A (rows×cols). */
export function matVec(a: Float64Array, rows: number, cols: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += a[i * cols + j] * x[j];
    y[i] = s;
  }
  return y;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length, aOff = 0, bOff = 0): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
  return s;
}

export function norm2(a: ArrayLike<number>, n = a.length, off = 0): number {
  return Math.sqrt(dot(a, a, n, off, off));
}

/** log Σ exp(v_i), max-shifted; -Infinity for an empty or all -Infinity input. */
/** √(vᵀSv) for the n-vector v = x[off..off+n) and S n×n (clamped at 0): for an atom θ_k and the design covariance, the spread of its scores over the items. */
export function quadraticNorm(S: ArrayLike<number>, x: ArrayLike<number>, n: number, off = 0): number {
  let q = 0;
  for (let a = 0; a < n; a++) {
    let row = 0;
    for (let b = 0; b < n; b++) row += S[a * n + b] * x[off + b];
    q += x[off + a] * row;
  }
  return Math.sqrt(Math.max(q, 0));
}

export function logSumExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.exp(values[i] - m);
  return m + Math.log(s);
}

/**
 * Solves A X = B for a general n×n A (row-major) and n×m right-hand sides B (row-major),
 * by Gaussian elimination with partial pivoting. Returns null when A is singular to
 * working precision (a zero pivot after pivoting).
 */
export function solveLinear(a: Float64Array, n: number, b: Float64Array, m = 1): Float64Array | null {
  const lu = Float64Array.from(a.subarray(0, n * n));
  const x = Float64Array.from(b.subarray(0, n * m));
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(lu[i]));
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i * n + k]) > Math.abs(lu[piv * n + k])) piv = i;
    if (!(Math.abs(lu[piv * n + k]) > 2 ** -52 * scale)) return null;
    if (piv !== k) {
      for (let j = 0; j < n; j++) [lu[k * n + j], lu[piv * n + j]] = [lu[piv * n + j], lu[k * n + j]];
      for (let j = 0; j < m; j++) [x[k * m + j], x[piv * m + j]] = [x[piv * m + j], x[k * m + j]];
    }
    const d = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k] / d;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
      for (let j = 0; j < m; j++) x[i * m + j] -= f * x[k * m + j];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    for (let j = 0; j < m; j++) {
      let s = x[k * m + j];
      for (let i = k + 1; i < n; i++) s -= lu[k * n + i] * x[i * m + j];
      x[k * m + j] = s / lu[k * n + k];
    }
  }
  return x;
}

/**
 * C = A B for row-major A (n×k) and B (k×m). Four rows of A at a time, so each row of B
 * read serves four of C (it was memory-bound: B streamed n times; at 72×1024·1024, the
 * low-rank preconditioner's range finder, 2.3× faster). Every C entry sums over l in the
 * same order as the one-row loop, so the result is the same to the bit.
 */
export function matMul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const [a0, a1, a2, a3] = [i * k, (i + 1) * k, (i + 2) * k, (i + 3) * k];
    const [c0, c1, c2, c3] = [i * m, (i + 1) * m, (i + 2) * m, (i + 3) * m];
    for (let l = 0; l < k; l++) {
      const [w0, w1, w2, w3] = [a[a0 + l], a[a1 + l], a[a2 + l], a[a3 + l]];
      if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0) continue;
      const bl = l * m;
      for (let j = 0; j < m; j++) {
        const v = b[bl + j];
        c[c0 + j] += w0 * v;
        c[c1 + j] += w1 * v;
        c[c2 + j] += w2 * v;
        c[c3 + j] += w3 * v;
      }
    }
  }
  for (; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] += ail * b[l * m + j];
    }
  }
  return c;
}

/** Aᵀ for row-major A (rows×cols), as a row-major cols×rows matrix. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/**
 * Least squares min |A x − b|₂ for a row-major rows×cols A with rows ≥ cols, by
 * Householder QR. Returns null when A is rank deficient to working precision (a
 * diagonal entry of R below 1e-13 times the largest column norm).
 */
export function leastSquares(a: Float64Array, rows: number, cols: number, b: ArrayLike<number>): Float64Array | null {
  if (cols > rows) return null;
  const q = Float64Array.from(a.subarray(0, rows * cols));
  const y = Float64Array.from(b as ArrayLike<number>);
  let colScale = 0;
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += q[i * cols + j] ** 2;
    colScale = Math.max(colScale, Math.sqrt(s));
  }
  if (!(colScale > 0)) return null;
  const diag = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    let norm = 0;
    for (let i = k; i < rows; i++) norm += q[i * cols + k] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-13 * colScale)) return null;
    const alpha = q[k * cols + k] > 0 ? -norm : norm;
    // v = x − alpha e_1, stored in place below the diagonal (v_k in q[k,k])
    q[k * cols + k] -= alpha;
    let vnorm2 = 0;
    for (let i = k; i < rows; i++) vnorm2 += q[i * cols + k] ** 2;
    diag[k] = alpha;
    if (vnorm2 === 0) continue;
    for (let j = k + 1; j < cols; j++) {
      let s = 0;
      for (let i = k; i < rows; i++) s += q[i * cols + k] * q[i * cols + j];
      const f = (2 * s) / vnorm2;
      for (let i = k; i < rows; i++) q[i * cols + j] -= f * q[i * cols + k];
    }
    let s = 0;
    for (let i = k; i < rows; i++) s += q[i * cols + k] * y[i];
    const f = (2 * s) / vnorm2;
    for (let i = k; i < rows; i++) y[i] -= f * q[i * cols + k];
  }
  const x = new Float64Array(cols);
  for (let k = cols - 1; k >= 0; k--) {
    let s = y[k];
    for (let j = k + 1; j < cols; j++) s -= q[k * cols + j] * x[j];
    x[k] = s / diag[k];
  }
  return x;
}

/**
 * Non-negative least squares min |A x − b|₂ s.t. x ≥ 0 (row-major rows×cols A), by the
 * Lawson–Hanson active-set method on unit-norm-scaled columns. The solution has at most
 * `rows` positive entries.
 */
export function nonNegativeLeastSquares(a: Float64Array, rows: number, cols: number, b: ArrayLike<number>, maxIter = 30 * cols): Float64Array {
  const scale = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += a[i * cols + j] ** 2;
    scale[j] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  const col = (i: number, j: number) => a[i * cols + j] * scale[j];
  const x = new Float64Array(cols);
  const passive = new Uint8Array(cols);
  const residual = () => {
    const r = Float64Array.from(b as ArrayLike<number>);
    for (let j = 0; j < cols; j++) if (x[j] !== 0) for (let i = 0; i < rows; i++) r[i] -= col(i, j) * x[j];
    return r;
  };
  let bnorm = 0;
  for (let i = 0; i < rows; i++) bnorm += b[i] ** 2;
  const tol = 1e-12 * Math.max(Math.sqrt(bnorm), 1e-300);
  const solvePassive = (): Float64Array | null => {
    const idx: number[] = [];
    for (let j = 0; j < cols; j++) if (passive[j]) idx.push(j);
    const sub = new Float64Array(rows * idx.length);
    for (let i = 0; i < rows; i++) idx.forEach((j, c) => (sub[i * idx.length + c] = col(i, j)));
    const z = leastSquares(sub, rows, idx.length, b);
    if (!z) return null;
    const full = new Float64Array(cols);
    idx.forEach((j, c) => (full[j] = z[c]));
    return full;
  };
  for (let outer = 0; outer < maxIter; outer++) {
    const r = residual();
    let best = -1;
    let bestW = tol;
    for (let j = 0; j < cols; j++) {
      if (passive[j] || scale[j] === 0) continue;
      let w = 0;
      for (let i = 0; i < rows; i++) w += col(i, j) * r[i];
      if (w > bestW) [best, bestW] = [j, w];
    }
    if (best < 0) break;
    passive[best] = 1;
    for (let inner = 0; inner < cols; inner++) {
      const z = solvePassive();
      if (!z) {
        passive[best] = 0; // the new column is dependent on the passive ones: stop here
        return x.map((v, j) => v * scale[j]);
      }
      let feasible = true;
      for (let j = 0; j < cols; j++) if (passive[j] && !(z[j] > 0)) feasible = false;
      if (feasible) {
        x.set(z);
        break;
      }
      let step = Infinity;
      for (let j = 0; j < cols; j++) if (passive[j] && !(z[j] > 0)) step = Math.min(step, x[j] / (x[j] - z[j]));
      for (let j = 0; j < cols; j++) {
        if (!passive[j]) continue;
        x[j] += step * (z[j] - x[j]);
        if (x[j] <= 1e-15 * Math.abs(z[j]) || x[j] <= 0) {
          x[j] = 0;
          passive[j] = 0;
        }
      }
    }
  }
  return x.map((v, j) => v * scale[j]);
}
