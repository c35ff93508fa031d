/** Wrapper of shaders/third-moment.wgsl: Σ_j n_j y_ja y_jb y_jc (a ≤ b ≤ c, packed) over one row slice, as split-K partials. */
import thirdWgsl from '../../../shaders/third-moment.wgsl?raw';
import cascadeWgsl from '../../../shaders/cascade4.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, splitRows, type Dispatch } from './kernel.ts';

export const thirdMomentShader: ShaderSource = { name: 'third-moment.wgsl', code: `${thirdWgsl}\n${cascadeWgsl}` };
export const THIRD_COLUMNS = 16;

/** Packed size K(K+1)(K+2)/6 of a ≤ b ≤ c. */
export const packedThirdSize = (K: number): number => (K * (K + 1) * (K + 2)) / 6;

/** Expands packed a ≤ b ≤ c values into the full symmetric K³ array, index (a·K + b)·K + c, times `scale`. */
export function unpackThird(packed: ArrayLike<number>, K: number, scale = 1): Float64Array {
  const out = new Float64Array(K * K * K);
  let o = 0;
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      for (let c = b; c < K; c++) {
        const v = packed[o++] * scale;
        for (const [i, j, k] of [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]]) out[(i * K + j) * K + k] = v;
      }
    }
  }
  return out;
}

export class ThirdMomentKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<ThirdMomentKernel> {
    return new ThirdMomentKernel(device, await getPipeline(device, thirdMomentShader, 'main'));
  }

  static partialCount(rows: number): number {
    return splitRows(rows).groups;
  }

  dispatch(a: { y: GPUBuffer; counts: GPUBuffer; partials: GPUBuffer; rowStart: number; rows: number; K: number; outOffset: number }): Dispatch {
    const { groups, span } = splitRows(a.rows);
    const W = packedThirdSize(a.K);
    return makeDispatch(
      this.device,
      'third-moment',
      this.pipeline,
      [a.rowStart, a.rows, a.K, a.outOffset, span, W, 0, 0],
      { 1: a.y, 2: a.counts, 3: a.partials },
      [groups, ceilDiv(W, THIRD_COLUMNS), 1],
    );
  }
}
