/** Does this browser have WebGPU with an adapter? (The page asks once, for its notice.) */
import { webGpuAvailable } from '../src/engines/create.ts';

export interface GpuProbe {
  available: boolean;
  /** the adapter, e.g. "google, swiftshader" — or why there is none */
  detail: string;
}

export async function probeWebGpu(): Promise<GpuProbe> {
  if (!webGpuAvailable()) return { available: false, detail: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { available: false, detail: 'WebGPU found no adapter on this machine' };
    const info = adapter.info;
    const parts = [info?.vendor, info?.architecture, info?.description].filter((s) => s && s.length > 0);
    return { available: true, detail: parts.length ? parts.join(', ') : 'an unnamed adapter' };
  } catch (e) {
    return { available: false, detail: `WebGPU's requestAdapter failed (${e instanceof Error ? e.message : String(e)})` };
  }
}
