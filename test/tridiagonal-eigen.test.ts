import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { symmetricEigen, jacobiEigen, JACOBI_MAX_N, type SymmetricEigen } from '../src/math/linalg.ts';
import { tridiagonalEigen, symmetricEigenTop } from '../src/math/tridiagonal-eigen.ts';

// Tolerances, from float64 backward error analysis (ε = 2⁻⁵²). Householder tridiagonalisation
// and implicit QL are backward stable: the computed V̂, Λ̂ are, to within O(nε) of orthogonal
// vectors, the exact decomposition of A + E with ‖E‖₂ ≤ c·n·ε·‖A‖₂, c a modest constant
// (each of the O(n) reflections and O(n) rotations touching an entry adds O(ε) relative
// error; Wilkinson, The Algebraic Eigenvalue Problem, ch. 3 and 8). Hence
//   ‖A V̂ − V̂ Λ̂‖_max ≤ ‖A V̂ − V̂ Λ̂‖₂ ≤ c·n·ε·‖A‖₂,
//   ‖V̂ᵀ V̂ − I‖_max ≤ c·n·ε,
//   |λ̂_i − λ_i| ≤ ‖E‖₂ ≤ c·n·ε·‖A‖₂ (Weyl), and Jacobi, backward stable too, adds its own
//   c·n·ε·‖A‖₂ to the difference between the two.
// ‖A‖_F ≥ ‖A‖₂ stands in for ‖A‖₂ (cheap, and only loosens the bound), and n + 2 for n (a
// few ε of normalisation and rounding that do not grow with n dominate at n ≤ 3). c = 8 leaves
// a margin of 6 over the worst seen on 1,200 random matrices with n ≤ 64 (0.63·(n+2)·ε·‖A‖_F
// for the residual, 1.33·(n+2)·ε for orthogonality); a wrong rotation or reflector gives
// errors of order ‖A‖, 10¹⁰ times larger.
const EPS = 2 ** -52;
const C = 8;
/** c·n·ε, the relative bound for residuals, orthogonality and eigenvalues. */
const bound = (n: number) => C * (n + 2) * EPS;

function randomSymmetric(n: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const v = (s / 2 ** 32 - 0.5) * scale;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** ‖A‖_F, scaled by the largest entry so that tiny and huge matrices neither underflow nor overflow. */
function frobenius(a: Float64Array): number {
  let big = 0;
  for (const x of a) big = Math.max(big, Math.abs(x));
  if (big === 0) return 0;
  let s = 0;
  for (const x of a) s += (x / big) ** 2;
  return big * Math.sqrt(s);
}

/** max |A V − V Λ| over the r columns of V (row-major n×r). */
function residual(a: Float64Array, n: number, eig: SymmetricEigen, r = n): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < r; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * eig.vectors[j * r + k];
      worst = Math.max(worst, Math.abs(s - eig.values[k] * eig.vectors[i * r + k]));
    }
  }
  return worst;
}

/** max |VᵀV − I| for V row-major n×r. */
function orthogonality(v: Float64Array, n: number, r = n): number {
  let worst = 0;
  for (let k = 0; k < r; k++) {
    for (let l = k; l < r; l++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += v[j * r + k] * v[j * r + l];
      worst = Math.max(worst, Math.abs(s - (k === l ? 1 : 0)));
    }
  }
  return worst;
}

/** The full check: descending values, residual and orthogonality within C·n·ε. */
function expectAccurate(a: Float64Array, n: number, eig: SymmetricEigen): void {
  const norm = frobenius(a);
  expect(eig.values.length).toBe(n);
  expect(eig.vectors.length).toBe(n * n);
  for (let k = 1; k < n; k++) expect(eig.values[k]).toBeLessThanOrEqual(eig.values[k - 1]);
  expect(residual(a, n, eig)).toBeLessThanOrEqual(bound(n) * norm);
  expect(orthogonality(eig.vectors, n)).toBeLessThanOrEqual(bound(n));
}

function expectValuesNear(a: Float64Array, n: number, x: Float64Array, y: Float64Array): void {
  const tol = 2 * bound(n) * frobenius(a);
  for (let k = 0; k < n; k++) expect(Math.abs(x[k] - y[k])).toBeLessThanOrEqual(tol);
}

/** I + u uᵀ + w wᵀ: the eigenvalue 1 n−2 times. */
function identityPlusRank2(n: number, seed: number): Float64Array {
  const u = randomSymmetric(n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 1;
    for (let j = 0; j < n; j++) a[i * n + j] += u[i] * u[j] + u[n + i] * u[n + j];
  }
  return a;
}

describe('tridiagonalEigen (Householder + implicit QL)', () => {
  it('random symmetric matrices: accurate, and the eigenvalues agree with Jacobi (n ≤ 64)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: JACOBI_MAX_N }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: -30, max: 30 }), (n, seed, exp) => {
        const a = randomSymmetric(n, seed, 2 ** exp);
        const eig = tridiagonalEigen(a, n);
        expectAccurate(a, n, eig);
        expectValuesNear(a, n, eig.values, symmetricEigen(a, n).values);
      }),
      { seed: 20250301, numRuns: 60 },
    );
  });

  it('repeated eigenvalues: I + rank 2', () => {
    for (const n of [2, 3, 17, 64, 120]) {
      const a = identityPlusRank2(n, n + 5);
      const eig = tridiagonalEigen(a, n);
      expectAccurate(a, n, eig);
      for (let k = 2; k < n; k++) expect(Math.abs(eig.values[k] - 1)).toBeLessThanOrEqual(bound(n) * frobenius(a));
      if (n <= JACOBI_MAX_N) expectValuesNear(a, n, eig.values, symmetricEigen(a, n).values);
    }
  });

  it('a diagonal matrix: its sorted diagonal and a permutation, exactly', () => {
    const diag = [3, -1, 7, 0, 7, -2.5, 1e-300, 4];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((x, i) => (a[i * n + i] = x));
    const eig = tridiagonalEigen(a, n);
    expect([...eig.values]).toEqual([...diag].sort((x, y) => y - x));
    for (let k = 0; k < n; k++) {
      const col = Array.from({ length: n }, (_, i) => Math.abs(eig.vectors[i * n + k]));
      expect(col.filter((x) => x === 1).length).toBe(1);
      expect(col.filter((x) => x === 0).length).toBe(n - 1);
      expect(diag[col.indexOf(1)]).toBe(eig.values[k]);
    }
  });

  it('the zero matrix: zeros and an orthonormal basis', () => {
    for (const n of [1, 5, 70]) {
      const eig = tridiagonalEigen(new Float64Array(n * n), n);
      expect([...eig.values]).toEqual(new Array(n).fill(0));
      expect(orthogonality(eig.vectors, n)).toBe(0);
    }
  });

  it('1×1 and 2×2', () => {
    const one = tridiagonalEigen(Float64Array.of(-3.5), 1);
    expect([...one.values]).toEqual([-3.5]);
    expect([...one.vectors]).toEqual([1]);
    const a = Float64Array.of(2, 1, 1, 2);
    const two = tridiagonalEigen(a, 2);
    const tol = bound(2) * frobenius(a);
    expect(Math.abs(two.values[0] - 3)).toBeLessThanOrEqual(tol);
    expect(Math.abs(two.values[1] - 1)).toBeLessThanOrEqual(tol);
    expect(Math.abs(Math.abs(two.vectors[0]) - Math.SQRT1_2)).toBeLessThanOrEqual(bound(2));
    expect(two.vectors[0] * two.vectors[2]).toBeGreaterThan(0); // (1, 1)/√2 for 3
    expect(two.vectors[1] * two.vectors[3]).toBeLessThan(0); // (1, −1)/√2 for 1
    expectAccurate(a, 2, two);
  });

  it('a graded matrix (entries from 1 down to 1e-24)', () => {
    const n = 48;
    const a = randomSymmetric(n, 99);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] *= 10 ** (-(i + j) / 4);
    const eig = tridiagonalEigen(a, n);
    expectAccurate(a, n, eig);
    expectValuesNear(a, n, eig.values, symmetricEigen(a, n).values);
    // and graded the other way (large entries at the bottom right)
    const b = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * n + j] = a[(n - 1 - i) * n + (n - 1 - j)];
    const flipped = tridiagonalEigen(b, n);
    expectAccurate(b, n, flipped);
    expectValuesNear(b, n, flipped.values, eig.values);
  });

  it('extreme scales (2^±600): no overflow or underflow on the way', () => {
    const n = 40;
    for (const scale of [2 ** -600, 2 ** 600]) {
      const a = randomSymmetric(n, 11, scale);
      const eig = tridiagonalEigen(a, n);
      expectAccurate(a, n, eig);
      const unscaled = tridiagonalEigen(randomSymmetric(n, 11), n);
      expectValuesNear(a, n, eig.values, unscaled.values.map((x) => x * scale));
      const top = symmetricEigenTop(a, n, 3);
      expect(residual(a, n, top, 3)).toBeLessThanOrEqual(bound(n) * frobenius(a));
    }
  });

  it('n = 300, through symmetricEigen', () => {
    const n = 300;
    const a = randomSymmetric(n, 300);
    const eig = symmetricEigen(a, n);
    expectAccurate(a, n, eig);
    // the trace and the Frobenius norm are the sums of λ and λ²
    let trace = 0;
    let sum = 0;
    let sum2 = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    for (const x of eig.values) [sum, sum2] = [sum + x, sum2 + x * x];
    expect(Math.abs(sum - trace)).toBeLessThanOrEqual(bound(n) * frobenius(a));
    expect(Math.abs(Math.sqrt(sum2) - frobenius(a))).toBeLessThanOrEqual(bound(n) * frobenius(a));
  });

  it('symmetricEigen: Jacobi up to n = 64, QL above', () => {
    const small = randomSymmetric(JACOBI_MAX_N, 1);
    const viaJacobi = jacobiEigen(small, JACOBI_MAX_N);
    const got = symmetricEigen(small, JACOBI_MAX_N);
    expect(got.values).toEqual(viaJacobi.values);
    expect(got.vectors).toEqual(viaJacobi.vectors);
    const large = randomSymmetric(JACOBI_MAX_N + 1, 2);
    expect(symmetricEigen(large, JACOBI_MAX_N + 1)).toEqual(tridiagonalEigen(large, JACOBI_MAX_N + 1));
  });

  it('a non-finite entry gives NaN, not a hang or a throw', () => {
    const a = randomSymmetric(4, 3);
    a[5] = NaN;
    expect(tridiagonalEigen(a, 4).values.every(Number.isNaN)).toBe(true);
    expect(symmetricEigenTop(a, 4, 2).values.every(Number.isNaN)).toBe(true);
  });
});

describe('symmetricEigenTop (eigenvalues by QL, top r eigenvectors by inverse iteration)', () => {
  function expectTop(a: Float64Array, n: number, r: number): void {
    const top = symmetricEigenTop(a, n, r);
    const full = tridiagonalEigen(a, n);
    // the same reduction and the same QL on (d, e): the same eigenvalues, bit for bit
    expect(top.values).toEqual(full.values);
    expect(top.vectors.length).toBe(n * r);
    expect(residual(a, n, top, r)).toBeLessThanOrEqual(bound(n) * frobenius(a));
    expect(orthogonality(top.vectors, n, r)).toBeLessThanOrEqual(bound(n));
  }

  it('random matrices, r from 0 to n', () => {
    expectTop(randomSymmetric(1, 4), 1, 1);
    expectTop(randomSymmetric(2, 5), 2, 2);
    expectTop(randomSymmetric(30, 6), 30, 30);
    expectTop(randomSymmetric(150, 7), 150, 5);
    expectTop(randomSymmetric(150, 8), 150, 0);
  });

  it('clusters: I + rank 2 (r reaches into the n−2 ones), the zero matrix, a diagonal with ties', () => {
    expectTop(identityPlusRank2(80, 9), 80, 6);
    expectTop(new Float64Array(40 * 40), 40, 4);
    const n = 12;
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) d[i * n + i] = i % 3;
    expectTop(d, n, 9);
  });
});
