/** What createWebGpuEngine (engine.ts) takes besides the data. */
import type { XStorage } from './x-storage.ts';

export interface WebGpuEngineOptions {
  /** Use this device (the caller keeps it); otherwise one is acquired and destroyed by dispose(). */
  device?: GPUDevice;
  /** Acquire the device from this GPU (e.g. Dawn's in Node) instead of navigator.gpu. */
  gpu?: GPU;
  /** Force row chunks of X of at most this many rows (tests exercise the cross-chunk merges with it). */
  maxChunkRows?: number;
  /** Testing knob: leave at most this many partials of each reduction for the host (forces device merge levels). */
  maxHostPartials?: number;
  /** X on the device as 'f32' (default) or 'f16', half the bytes (x-storage.ts) */
  xStorage?: XStorage;
}
