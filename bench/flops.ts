/**
 * Flop counts per phase, from MATH.md §2 (EM) and §3 (latent moments); a multiply-add
 * counts 2. exp/log and the O(K·L²)–O(K·L³) host work (Cholesky, MoM algebra) are not
 * counted: the rates below are of the passes over p only.
 *
 *   scores X Θᵀ                       2pLK
 *   E-step sums (c, Σ n r x)          2pLK        → E-step      4pLK
 *   Newton step: ∇A                   2pLK, ∇²A  pL²K (upper half)
 *     one softmaxStats(mean + cov) pass = scores + ∇A + ∇²A = 4pLK + pL²K
 *   A-only pass (log-partitions)      2pLK
 *   one EM iteration (1 Newton step)  E-step + Newton pass = 8pLK + pL²K
 *   countMoments  (M̂_2, upper half)  pL²   (MATH §3)
 *   projectedMoments                  p(2LK + K³/3)  (projection + a ≤ b ≤ c third moments; MATH §3's p(LK + K³))
 */
export interface Size {
  p: number;
  L: number;
  K: number;
}

export const flops = {
  eStep: ({ p, L, K }: Size) => 4 * p * L * K,
  newtonPass: ({ p, L, K }: Size) => 4 * p * L * K + p * L * L * K,
  logPartitionPass: ({ p, L, K }: Size) => 2 * p * L * K,
  emIteration: ({ p, L, K }: Size) => 8 * p * L * K + p * L * L * K,
  countMoments: ({ p, L }: Size) => p * L * L,
  projectedMoments: ({ p, L, K }: Size) => p * (2 * L * K + (K * K * K) / 3),
  /** MoM's passes over p for K ≤ L (tensor route): one countMoments and one projectedMoments */
  mom: (s: Size) => flops.countMoments(s) + flops.projectedMoments(s),
};

export type FlopPhase = keyof typeof flops;
