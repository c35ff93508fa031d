/**
 * Host dense linear algebra in float64: the L×L Newton solves, K×K and L×L symmetric
 * eigenproblems. Matrices are row-major Float64Arrays with an explicit size.
 */

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
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations: slow for
 * large n but accurate to working precision, and n here is L or K (tens).
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
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

/** f(A) = V diag(f(λ)) Vᵀ for a symmetric matrix given by its eigen-decomposition. */
export function spectralFunction(eig: SymmetricEigen, n: number, f: (lambda: number) => number): Float64Array {
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const fk = f(eig.values[k]);
    for (let i = 0; i < n; i++) {
      const vik = eig.vectors[i * n + k] * fk;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * eig.vectors[j * n + k];
    }
  }
  return out;
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
export function logSumExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.exp(values[i] - m);
  return m + Math.log(s);
}
