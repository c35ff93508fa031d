/**
 * One-dimensional moment problems for the univariate route: Hermite moments along a
 * direction from the engine's power moments, and K atoms with weights from 2K moments by
 * Gauss quadrature (Chebyshev's algorithm + Golub–Welsch), projecting sequences that no
 * K-atom measure on the support has onto ones that some measure has (denoising).
 */
import { symmetricEigen, nonNegativeLeastSquares } from '../math/linalg.ts';

/**
 * Probabilists' Hermite moments from power moments: m_r = Σ π̂ He_r(t) from
 * raw[i] = Σ π̂ t^i (He_{r+1} = t He_r − r He_{r−1}). For t = z·u with |u| = 1 (so t is
 * standard normal under the design) m_r ≈ Σ α_k (β_k·u)^r.
 */
export function hermiteFromPower(raw: ArrayLike<number>): Float64Array {
  const R = raw.length - 1;
  const coeffs = hermiteCoefficients(R);
  const m = new Float64Array(R + 1);
  for (let r = 0; r <= R; r++) {
    let s = 0;
    for (let i = 0; i <= r; i++) s += coeffs[r][i] * raw[i];
    m[r] = s;
  }
  return m;
}

/** c[r][i]: He_r(t) = Σ_i c[r][i] t^i, r = 0..R. */
export function hermiteCoefficients(R: number): Float64Array[] {
  const c: Float64Array[] = [];
  for (let r = 0; r <= R; r++) {
    const row = new Float64Array(r + 1);
    if (r === 0) row[0] = 1;
    else {
      for (let i = 0; i < r; i++) row[i + 1] += c[r - 1][i];
      if (r >= 2) for (let i = 0; i <= r - 2; i++) row[i] -= (r - 1) * c[r - 2][i];
    }
    c.push(row);
  }
  return c;
}

/** Moments of (b − c)/s from moments of b: μ_r = s^{-r} Σ_i C(r,i) (−c)^{r−i} m_i. Rows of `width` values each. */
export function shiftScaleMoments(m: ArrayLike<number>, R: number, c: number, s: number, width = 1): Float64Array {
  const out = new Float64Array((R + 1) * width);
  for (let r = 0; r <= R; r++) {
    let binom = 1; // C(r, i)
    for (let i = 0; i <= r; i++) {
      const f = (binom * (-c) ** (r - i)) / s ** r;
      for (let w = 0; w < width; w++) out[r * width + w] += f * m[i * width + w];
      binom = (binom * (r - i)) / (i + 1);
    }
  }
  return out;
}

/**
 * Recurrence coefficients a_0..a_{n−1}, b_0..b_{n−1} of the orthogonal polynomials of a
 * measure from its moments μ_0..μ_{2n−1} (Chebyshev's algorithm, Gautschi 2004 §2.1.7).
 * Returns null if some b_k ≤ `tol` (k ≥ 1), i.e. the n×n Hankel matrix of μ_0..μ_{2n−2}
 * is not (numerically) positive definite: not the moments of a measure with n atoms.
 */
export function chebyshevAlgorithm(mu: ArrayLike<number>, n: number, tol = 1e-12): { a: Float64Array; b: Float64Array } | null {
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  if (!(mu[0] > 0)) return null;
  let prev = new Float64Array(2 * n); // σ_{k−2}
  let cur = Float64Array.from({ length: 2 * n }, (_, l) => mu[l]); // σ_{k−1}
  a[0] = mu[1] / mu[0];
  b[0] = mu[0];
  for (let k = 1; k < n; k++) {
    const next = new Float64Array(2 * n);
    for (let l = k; l <= 2 * n - k - 1; l++) next[l] = cur[l + 1] - a[k - 1] * cur[l] - b[k - 1] * prev[l];
    b[k] = next[k] / cur[k - 1];
    if (!(b[k] > tol) || !Number.isFinite(b[k])) return null;
    a[k] = next[k + 1] / next[k] - cur[k] / cur[k - 1];
    prev = cur;
    cur = next;
  }
  for (let k = 0; k < n; k++) if (!Number.isFinite(a[k])) return null;
  return { a, b };
}

/** Gauss rule from recurrence coefficients (Golub–Welsch): nodes = eig(J), weights = b_0 · (first eigenvector components)². */
function golubWelsch(a: Float64Array, b: Float64Array, n: number): { nodes: Float64Array; weights: Float64Array } {
  const J = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    J[k * n + k] = a[k];
    if (k + 1 < n) J[k * n + k + 1] = J[(k + 1) * n + k] = Math.sqrt(b[k + 1]);
  }
  const eig = symmetricEigen(J, n);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    nodes[k] = eig.values[k];
    weights[k] = b[0] * eig.vectors[k] ** 2; // row 0, column k
  }
  return { nodes, weights };
}

/**
 * The nearest moment sequence of a probability measure on [lo, hi]: the moment cone is
 * the conic hull of the moment curve (1, t, …, t^{2K−1}), t ∈ [lo, hi], so with t on a
 * fine grid the projection is a non-negative least-squares problem over grid weights
 * (Lawson–Hanson). Row r is weighted by 1/√(r!) — the scale of He_r's noise under a
 * standard Gaussian — so the noisy high-order moments take most of the correction, and
 * m_0 = 1 is held by a heavy row (and exactly by renormalising). Returns the projected
 * moments and how many grid atoms carry them.
 */
export function projectOntoMomentSpace(
  moments: ArrayLike<number>,
  K: number,
  support: [number, number],
  gridSize = 401,
): { moments: Float64Array; atoms: number; nodes: Float64Array; weights: Float64Array } {
  const R = 2 * K;
  const [lo, hi] = support;
  const grid = Float64Array.from({ length: gridSize }, (_, g) => lo + ((hi - lo) * g) / (gridSize - 1));
  const rowWeight = new Float64Array(R);
  let factorial = 1;
  for (let r = 0; r < R; r++) {
    if (r > 0) factorial *= r;
    rowWeight[r] = r === 0 ? 1e3 : 1 / Math.sqrt(factorial);
  }
  const A = new Float64Array(R * gridSize);
  const b = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    b[r] = rowWeight[r] * (r === 0 ? 1 : moments[r]);
    for (let g = 0; g < gridSize; g++) A[r * gridSize + g] = rowWeight[r] * grid[g] ** r;
  }
  const w = nonNegativeLeastSquares(A, R, gridSize, b);
  let total = 0;
  for (let g = 0; g < gridSize; g++) total += w[g];
  const out = new Float64Array(R);
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let g = 0; g < gridSize; g++) {
    if (!(w[g] > 0)) continue;
    const wg = w[g] / total;
    nodes.push(grid[g]);
    weights.push(wg);
    for (let r = 0; r < R; r++) out[r] += wg * grid[g] ** r;
  }
  out[0] = 1;
  return { moments: out, atoms: nodes.length, nodes: Float64Array.from(nodes), weights: Float64Array.from(weights) };
}

export interface QuadratureSuccess {
  ok: true;
  /** atoms, ascending */
  nodes: Float64Array;
  /** weights, Σ = 1 */
  weights: Float64Array;
  /** whether the moments had to be projected onto valid sequences */
  denoised: boolean;
  /** size of that projection, √(Σ_r (Δm_r)²/r!) over r = 1..2K−1 (0 if none) */
  adjustment: number;
}

/** K-point Gauss rule of moments m (m_0 = 1), or null if they are not those of K distinct atoms (inside `support` if given). */
function gaussRule(m: Float64Array, K: number, support: [number, number] | null): { nodes: Float64Array; weights: Float64Array } | null {
  // centre and scale for conditioning: moments of (b − c)/s
  const c = m[1];
  const variance = m[2] - c * c;
  if (!(variance > 0)) return null;
  const s = Math.sqrt(variance);
  const mu = shiftScaleMoments(m, 2 * K - 1, c, s);
  mu[0] = 1;
  mu[1] = 0;
  const rec = chebyshevAlgorithm(mu, K);
  if (!rec) return null;
  const rule = golubWelsch(rec.a, rec.b, K);
  const order = Array.from({ length: K }, (_, i) => i).sort((i, j) => rule.nodes[i] - rule.nodes[j]);
  const nodes = Float64Array.from(order, (i) => c + s * rule.nodes[i]);
  let wsum = 0;
  for (const i of order) wsum += rule.weights[i];
  const weights = Float64Array.from(order, (i) => rule.weights[i] / wsum);
  for (let k = 0; k < K; k++) {
    if (!Number.isFinite(nodes[k]) || !(weights[k] > 0)) return null;
    if (support) {
      const slack = 1e-9 * (support[1] - support[0]);
      if (nodes[k] < support[0] - slack || nodes[k] > support[1] + slack) return null;
    }
  }
  return { nodes, weights };
}

/**
 * K atoms and weights from moments m_0..m_{2K−1} of a discrete measure (K-point Gauss
 * quadrature). Moments are centred and scaled (mean m_1/m_0, standard deviation from
 * m_2) for conditioning; recurrence coefficients come from Chebyshev's algorithm and
 * the rule from the Jacobi matrix (Golub–Welsch).
 *
 * Noisy moments ("denoised" method of moments, cf. Wu & Yang 2020): the sequence is
 * valid when its K×K Hankel matrix is positive definite and, if `support` = [lo, hi] is
 * given, the K atoms lie in it. Otherwise (with a support and `denoise` not false) the
 * moments are replaced by their projection onto the moments of probability measures on
 * [lo, hi] (`projectOntoMomentSpace`) and the rule is computed from those; its atoms then
 * lie in [lo, hi] (Gauss nodes lie in the convex hull of the measure's support). Giving a
 * support matters: without it m_{2K−1} is unconstrained, and a nearly singular Hankel
 * matrix sends one atom (of negligible weight) far away. Fails only if the projected
 * measure has fewer than K atoms: the moments then support fewer than K components.
 */
export function gaussQuadrature(
  moments: ArrayLike<number>,
  K: number,
  options: { support?: [number, number]; denoise?: boolean } = {},
): QuadratureSuccess | { ok: false; reason: string } {
  if (moments.length < 2 * K) return { ok: false, reason: `need 2K = ${2 * K} moments, got ${moments.length}` };
  for (let r = 0; r < 2 * K; r++) {
    if (!Number.isFinite(moments[r])) return { ok: false, reason: `moment ${r} is ${moments[r]}` };
  }
  const m0 = moments[0];
  if (!(m0 > 0)) return { ok: false, reason: `the zeroth moment is ${m0}, not positive` };
  const m = Float64Array.from({ length: 2 * K }, (_, r) => moments[r] / m0);
  const support = options.support ?? null;
  if (support && !(support[0] < support[1])) return { ok: false, reason: `empty support [${support[0]}, ${support[1]}]` };
  if (K === 1) {
    if (support && (m[1] < support[0] || m[1] > support[1])) {
      return { ok: false, reason: `the mean ${m[1].toPrecision(4)} lies outside the support [${support[0].toPrecision(4)}, ${support[1].toPrecision(4)}]` };
    }
    return { ok: true, nodes: Float64Array.of(m[1]), weights: Float64Array.of(1), denoised: false, adjustment: 0 };
  }
  const plain = gaussRule(m, K, support);
  if (plain) return { ok: true, ...plain, denoised: false, adjustment: 0 };
  const invalid = `the moments are not those of ${K} distinct atoms${support ? ` in [${support[0].toPrecision(4)}, ${support[1].toPrecision(4)}]` : ''}`;
  if (options.denoise === false || !support) return { ok: false, reason: `${invalid}${support ? '' : ' (no support given to project onto)'}` };
  const projected = projectOntoMomentSpace(m, K, support);
  const rule = projected.atoms >= K ? gaussRule(projected.moments, K, support) : null;
  if (!rule) {
    return {
      ok: false,
      reason: `${invalid}, and their projection onto valid moment sequences is carried by ${projected.atoms} atom(s): the moments support fewer than ${K} components`,
    };
  }
  let adjustment = 0;
  let factorial = 1;
  for (let r = 1; r < 2 * K; r++) {
    factorial *= r;
    adjustment += (projected.moments[r] - m[r]) ** 2 / factorial;
  }
  return { ok: true, ...rule, denoised: true, adjustment: Math.sqrt(adjustment) };
}
