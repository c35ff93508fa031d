/**
 * The baseline a user would write instead of softmix: the passes of one EM iteration as
 * TensorFlow.js ops (run on whatever backend tf is set to; the bench asks for 'webgpu').
 * It implements the two Engine methods EM uses (eStep, softmaxStats), so the same host
 * M-step (src/em/mstep.ts) drives it and "one EM iteration" is the same algorithm on every
 * engine. Each call ends with ONE readback (everything small concatenated, `await data()`),
 * which is the fair version of what a user would do.
 *
 *   E-step:   s = X Θᵀ (matMul), A = logSumExp(s, 0), lp = s − A + log α,
 *             log π = logSumExp(lp, 1), W = n ∘ exp(lp − log π),
 *             c = Σ_j W, m = Wᵀ X (matMul), ℓ = Σ n log π
 *   Newton:   σ = exp(s − A), ∇A = σᵀ X (matMul),
 *             ∇²A_k = Xᵀ (X ∘ σ_k) − ∇A_k ∇A_kᵀ, one matMul per component
 *   Newton–CG (large L): ∇²A_k v_k = Xᵀ (σ_k ∘ (X v_k − μ_k·v_k)), two matMuls for all K
 *
 * float32 throughout, and the Hessian is formed raw (Σσxxᵀ − ∇A∇Aᵀ, no centring), as a
 * user would write it; softmix centres it to avoid the cancellation.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Engine, EngineCounters, EngineInput, EStepResult, HessianPoint, SoftmaxStats, StatsWanted } from '../src/engines/engine.ts';

export interface TfjsEngine extends Engine {
  readonly tfBackend: string;
}

export function createTfjsEngine(tf: typeof TF, input: EngineInput): TfjsEngine {
  const { p, L } = input;
  const X = tf.tensor2d(Float32Array.from(input.features), [p, L]);
  const n = tf.tensor2d(Float32Array.from(input.counts), [p, 1]);
  let N = 0;
  for (let j = 0; j < p; j++) N += input.counts[j];
  // xReads counts the ops that take X (one read each, a lower bound: how a matMul tiles X is
  // TF.js's); dispatches and submits are TF.js's own and not observed here (left 0).
  const counters: EngineCounters = { passes: 0, xReads: 0, dispatches: 0, submits: 0, bytesRead: 0, recentred: 0 };

  const read = async (t: TF.Tensor): Promise<Float64Array> => {
    try {
      const d = (await t.data()) as Float32Array;
      counters.bytesRead += d.byteLength;
      return Float64Array.from(d);
    } finally {
      t.dispose();
    }
  };

  const engine: TfjsEngine = {
    backend: 'webgpu',
    tfBackend: tf.getBackend(),
    unitRoundoff: 2 ** -24,
    p,
    L,
    N,
    device: { backend: 'webgpu', description: `TensorFlow.js ${tf.version.tfjs} (${tf.getBackend()})` },
    counters,

    async eStep(logAlpha: Float64Array, theta: Float64Array, K: number, stats?: StatsWanted): Promise<EStepResult> {
      // TF.js has no fused pass: the statistics are the separate ops of softmaxStats
      const softmax = stats ? await engine.softmaxStats(theta, K, stats) : undefined;
      if (softmax) counters.passes--; // one call, as the Engine contract counts it
      counters.passes++;
      counters.xReads += 2; // X Θᵀ, Wᵀ X
      const out = tf.tidy(() => {
        const th = tf.tensor2d(Float32Array.from(theta), [K, L]);
        const la = tf.tensor1d(Float32Array.from(logAlpha, (v) => Math.max(v, -1e30)));
        const s = tf.matMul(X, th, false, true); // p × K
        const A = tf.logSumExp(s, 0); // K
        const lp = s.sub(A).add(la); // log(α_k σ_jk)
        const logPi = tf.logSumExp(lp, 1, true); // p × 1
        const W = tf.exp(lp.sub(logPi)).mul(n); // n_j r_jk
        const c = W.sum(0); // K
        const m = tf.matMul(W, X, true, false); // K × L
        const ell = logPi.mul(n).sum();
        return tf.concat([ell.reshape([1]), c, m.reshape([K * L])]);
      });
      const d = await read(out);
      return { logLik: d[0], weights: d.slice(1, 1 + K), featureSums: d.slice(1 + K, 1 + K + K * L), softmax };
    },

    async softmaxStats(theta: Float64Array, K: number, want: StatsWanted): Promise<SoftmaxStats> {
      counters.passes++;
      counters.xReads += 1 + (want.mean || want.covariance ? 1 : 0) + (want.covariance ? 3 * K : 0); // X Θᵀ, σᵀ X; per k X ∘ σ_k, then Xᵀ and that p×L product
      const out = tf.tidy(() => {
        const th = tf.tensor2d(Float32Array.from(theta), [K, L]);
        const s = tf.matMul(X, th, false, true); // p × K
        const A = tf.logSumExp(s, 0); // K
        const parts: TF.Tensor[] = [A];
        if (want.mean || want.covariance) {
          const sigma = tf.exp(s.sub(A)); // p × K
          const mean = tf.matMul(sigma, X, true, false); // K × L
          parts.push(mean.reshape([K * L]));
          if (want.covariance) {
            for (let k = 0; k < K; k++) {
              const sk = sigma.slice([0, k], [p, 1]);
              const H = tf.matMul(X, X.mul(sk), true, false); // L × L
              const mk = mean.slice([k, 0], [1, L]);
              parts.push(H.sub(tf.matMul(mk, mk, true, false)).reshape([L * L]));
            }
          }
        }
        return tf.concat(parts);
      });
      const d = await read(out);
      const result: SoftmaxStats = { logPartition: d.slice(0, K) };
      if (want.mean || want.covariance) result.mean = d.slice(K, K + K * L);
      if (want.covariance) result.covariance = d.slice(K + K * L, K + K * L + K * L * L);
      return result;
    },

    async hessianVectorProducts(theta: Float64Array, K: number, at: HessianPoint, vectors: Float64Array): Promise<Float64Array> {
      counters.passes++;
      counters.xReads += 3; // X Θᵀ, X Vᵀ, Wᵀ X
      const out = tf.tidy(() => {
        const th = tf.tensor2d(Float32Array.from(theta), [K, L]);
        const V = tf.tensor2d(Float32Array.from(vectors), [K, L]);
        const mu = tf.tensor2d(Float32Array.from(at.mean), [K, L]);
        const A = tf.tensor1d(Float32Array.from(at.logPartition));
        const sigma = tf.exp(tf.matMul(X, th, false, true).sub(A)); // p × K
        const c = mu.mul(V).sum(1); // μ_k·v_k
        const W = sigma.mul(tf.matMul(X, V, false, true).sub(c)); // p × K
        return tf.matMul(W, X, true, false).reshape([K * L]);
      });
      return read(out);
    },

    countMoments: () => Promise.reject(new Error('not part of the TF.js baseline')),
    pairMoments: () => Promise.reject(new Error('not part of the TF.js baseline')),
    residualMoments: () => Promise.reject(new Error('not part of the TF.js baseline')),
    projectedMoments: () => Promise.reject(new Error('not part of the TF.js baseline')),
    directionMoments: () => Promise.reject(new Error('not part of the TF.js baseline')),
    directionCrossMoments: () => Promise.reject(new Error('not part of the TF.js baseline')),

    dispose() {
      X.dispose();
      n.dispose();
    },
  };
  return engine;
}
