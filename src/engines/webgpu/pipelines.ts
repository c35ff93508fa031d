/**
 * Pipeline cache, one per device: a shader module is created once per source and a
 * compute pipeline once per (source, entry point). Shapes travel in uniforms, so
 * nothing else forces a recompile and the cache is bounded by the number of kernels.
 */
import { SoftmixError } from '../../errors.ts';

/** A WGSL file: its name (for labels and errors) and its text. */
export interface ShaderSource {
  name: string;
  code: string;
}

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  pipelines: Map<string, Promise<GPUComputePipeline>>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

function cacheFor(device: GPUDevice): DeviceCache {
  let c = caches.get(device);
  if (!c) {
    c = { modules: new Map(), pipelines: new Map() };
    caches.set(device, c);
  }
  return c;
}

/** The compute pipeline for `entryPoint` of `source` on `device`, compiled at most once. */
export function getPipeline(device: GPUDevice, source: ShaderSource, entryPoint: string): Promise<GPUComputePipeline> {
  const cache = cacheFor(device);
  const key = `${source.name}:${entryPoint}`;
  const hit = cache.pipelines.get(key);
  if (hit) return hit;
  let module = cache.modules.get(source.name);
  if (!module) {
    module = device.createShaderModule({ label: source.name, code: source.code });
    cache.modules.set(source.name, module);
  }
  const mod = module;
  const pending = device
    .createComputePipelineAsync({ label: key, layout: 'auto', compute: { module: mod, entryPoint } })
    .catch(async (e: unknown) => {
      cache.pipelines.delete(key);
      let detail = '';
      try {
        const info = await mod.getCompilationInfo();
        detail = info.messages
          .filter((m) => m.type === 'error')
          .map((m) => ` ${source.name}:${m.lineNum}:${m.linePos} ${m.message}`)
          .join(';');
      } catch {
        // no compilation info: the pipeline error's own message has to do
      }
      throw new SoftmixError('backend', `WebGPU could not build kernel ${key}: ${e instanceof Error ? e.message : String(e)}${detail}`);
    });
  cache.pipelines.set(key, pending);
  return pending;
}

/** How many pipelines are cached for `device` (tests check that nothing compiles twice). */
export function cachedPipelineCount(device: GPUDevice): number {
  return caches.get(device)?.pipelines.size ?? 0;
}
