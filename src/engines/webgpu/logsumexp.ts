/**
 * Wrapper of shaders/logsumexp.wgsl: 256-way merges of (max, Σexp) partials, and the
 * final merge into the per-component state (M, S, log S, log α − log S) that the E-step
 * reads. The first partials (one per LSE_GROUP rows of a slice and component) come from
 * the scores dispatch itself (ScoresKernel.withPartials, scores.ts).
 */
import lseWgsl from '../../../shaders/logsumexp.wgsl?raw';
import expLogWgsl from '../../../shaders/exp-log.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';

export const logSumExpShader: ShaderSource = { name: 'logsumexp.wgsl', code: `${lseWgsl}\n${expLogWgsl}` };
/** Rows per partial (scores.wgsl's workgroup), and partials merged per output at each merge level. */
export const LSE_GROUP = 256;
/** Bytes of one partial (vec2<f32>) and of one component's state (vec4<f32>). */
export const LSE_PARTIAL_BYTES = 8;
export const LSE_STATE_BYTES = 16;

export class LogSumExpKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly mergePipeline: GPUComputePipeline,
    private readonly finalizePipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<LogSumExpKernel> {
    const [m, f] = await Promise.all([getPipeline(device, logSumExpShader, 'merge'), getPipeline(device, logSumExpShader, 'finalize')]);
    return new LogSumExpKernel(device, m, f);
  }

  /** Number of partials one slice of `rows` rows writes (ScoresKernel.withPartials). */
  static partialCount(rows: number): number {
    return ceilDiv(rows, LSE_GROUP);
  }

  /** n × K partials of `input` → ⌈n/256⌉ × K partials of `out`. */
  merge(a: { input: GPUBuffer; out: GPUBuffer; n: number; K: number }): Dispatch {
    return makeDispatch(this.device, 'logsumexp merge', this.mergePipeline, [a.n, a.K, 0, 0], { 2: a.input, 3: a.out }, [
      ceilDiv(a.n, LSE_GROUP),
      a.K,
      1,
    ]);
  }

  /**
   * n partials per component → state[k] = (M, S, log S, logAlpha_k − log S). Any n: each
   * invocation merges n/256 of them serially before the tree (the plan leaves at most a few
   * thousand, Plan.cap, so that no merge level is needed below p ≈ 10⁶ rows).
   */
  finalize(a: { input: GPUBuffer; n: number; K: number; logAlpha: GPUBuffer; state: GPUBuffer }): Dispatch {
    return makeDispatch(this.device, 'logsumexp finalize', this.finalizePipeline, [a.n, a.K, 0, 0], { 2: a.input, 4: a.logAlpha, 5: a.state }, [
      1,
      a.K,
      1,
    ]);
  }

  /**
   * Merge levels from n partials down to at most `cap`, ping-ponging between
   * `scratch[0]` and `scratch[1]` (each ≥ ⌈n/256⌉ · K · 8 bytes). Returns the
   * dispatches and where the remaining partials are.
   */
  mergeChain(input: GPUBuffer, n: number, K: number, cap: number, scratch: [GPUBuffer, GPUBuffer]): { dispatches: Dispatch[]; buffer: GPUBuffer; n: number } {
    const dispatches: Dispatch[] = [];
    let buffer = input;
    let level = 0;
    while (n > Math.max(1, cap)) {
      const out = scratch[level % 2];
      dispatches.push(this.merge({ input: buffer, out, n, K }));
      buffer = out;
      n = ceilDiv(n, LSE_GROUP);
      level++;
    }
    return { dispatches, buffer, n };
  }
}
