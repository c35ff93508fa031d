/** Wrapper of shaders/hvp-weights.wgsl: the weights σ_jk ((x_j − μ_k)·v_k) of Hessian–vector products, for one row slice. */
import hvpWgsl from '../../../shaders/hvp-weights.wgsl?raw';
import expLogWgsl from '../../../shaders/exp-log.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';

export const hvpWeightsShader: ShaderSource = { name: 'hvp-weights.wgsl', code: `${hvpWgsl}\n${expLogWgsl}` };
/** Rows per workgroup (one invocation each), as in the shader. */
export const HVP_ROWS = 64;

export interface HvpWeightsArgs {
  /** scores of the slice on the stacked rows [Θ; V] (rows × 2K) */
  s: GPUBuffer;
  /** K × (A_k, μ_k·v_k), f32 */
  coef: GPUBuffer;
  /** output weights (rows × K) */
  w: GPUBuffer;
  rows: number;
  K: number;
}

export class HvpWeightsKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<HvpWeightsKernel> {
    return new HvpWeightsKernel(device, await getPipeline(device, hvpWeightsShader, 'main'));
  }

  dispatch(a: HvpWeightsArgs): Dispatch {
    return makeDispatch(this.device, 'hvp-weights', this.pipeline, [a.rows, a.K, 0, 0], { 1: a.s, 2: a.coef, 3: a.w }, [ceilDiv(a.rows, HVP_ROWS), 1, 1]);
  }
}
