/**
 * Picks and builds the Engine for a fit: `cpu`, `webgpu`, or `auto` (WebGPU when an
 * adapter exists, else cpu with a warning). The WebGPU code is imported lazily so
 * that Node (the CLI's cpu path) never loads shader sources. A `gpu` (or `device`) in the
 * options replaces navigator.gpu, which is how Node's Dawn runtime (src/node/) plugs in.
 */
import type { Engine, EngineInput, XStorage } from './engine.ts';
import { createCpuEngine } from './cpu.ts';
import { SoftmixError } from '../errors.ts';

export type BackendChoice = 'cpu' | 'webgpu' | 'auto';

export interface EngineOptions {
  /** force row chunks of at most this many support points on WebGPU (tests) */
  maxChunkRows?: number;
  /** WebGPU: X on the device as 'f32' (default) or 'f16' (webgpu/x-storage.ts); the cpu engine ignores it */
  xStorage?: XStorage;
  /** an existing GPUDevice to use */
  device?: GPUDevice;
  /** the WebGPU entry point to acquire a device from (default navigator.gpu; in Node, Dawn's) */
  gpu?: GPU;
}

/** WebGPU can be tried: a device or GPU is given, or navigator.gpu exists. */
export function webGpuAvailable(options: { gpu?: GPU; device?: GPUDevice } = {}): boolean {
  if (options.device || options.gpu) return true;
  return typeof navigator !== 'undefined' && !!(navigator as Navigator & { gpu?: GPU }).gpu;
}

/**
 * The precision the engine `choice` builds reads X at, so the host keeps its centred copy at
 * that and no finer (model/data.ts designStats): float64 for the cpu engine (also where
 * `auto` has no WebGPU to try), float32 for WebGPU. Should WebGPU then fail and `auto` fall
 * back to cpu, the cpu engine runs on the float32-rounded copy.
 */
export function hostPrecisionFor(choice: BackendChoice, options: { gpu?: GPU; device?: GPUDevice }): 'float32' | 'float64' {
  return choice === 'cpu' || !webGpuAvailable(options) ? 'float64' : 'float32';
}

export async function createEngine(
  choice: BackendChoice,
  input: EngineInput,
  options: EngineOptions,
  warnings: string[],
): Promise<Engine> {
  if (choice === 'cpu') return createCpuEngine(input);
  if (!webGpuAvailable(options)) {
    if (choice === 'auto') {
      warnings.push('WebGPU is not available here (no navigator.gpu): fitted on the cpu backend instead');
      return createCpuEngine(input);
    }
    throw new SoftmixError(
      'backend',
      'backend "webgpu" needs WebGPU (navigator.gpu), which this environment lacks. In Node pass gpu: await dawnGpu() (softmix\'s Node entry; npm install webgpu), or use the softmix CLI with --backend webgpu, or choose backend "cpu" or "auto".',
    );
  }
  try {
    const { createWebGpuEngine } = await import('./webgpu/engine.ts');
    return await createWebGpuEngine(input, options);
  } catch (err) {
    if (choice === 'auto') {
      warnings.push(`WebGPU could not be used (${err instanceof Error ? err.message : String(err)}): fitted on the cpu backend instead`);
      return createCpuEngine(input);
    }
    throw err;
  }
}
