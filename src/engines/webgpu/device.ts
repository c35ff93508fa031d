/**
 * WebGPU device acquisition and loss handling.
 *
 * `acquireDevice` asks for the adapter's own limits (the defaults, e.g. a 128 MiB
 * storage binding, are far below what most adapters allow). `DeviceWatch` turns
 * `device.lost` and `uncapturederror` into one SoftmixError('device-lost') that every
 * later engine call rejects with, and lets a pending `mapAsync` lose a race against
 * the loss instead of hanging.
 */
import { SoftmixError } from '../../errors.ts';
import type { DeviceInfo } from '../engine.ts';

/** Limits requested at the adapter's maximum: the ones the kernels and the chunking depend on. */
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Limits reported in DeviceInfo. */
const REPORTED_LIMITS = [
  ...REQUESTED_LIMITS,
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
] as const;

export interface AcquiredDevice {
  device: GPUDevice;
  /** Adapter info, when the adapter is known (always for devices acquired here). */
  adapterInfo?: GPUAdapterInfo;
}

export interface AcquireOptions {
  /**
   * The WebGPU entry point to ask (default navigator.gpu): e.g. Dawn's in Node
   * (src/node/dawn.ts). Used as given; no global is read or written.
   */
  gpu?: GPU;
}

/** The GPU to use: the one given, else navigator.gpu (undefined when neither exists). */
export function gpuOf(gpu?: GPU): GPU | undefined {
  if (gpu) return gpu;
  return typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { gpu?: GPU }).gpu;
}

/** Requests an adapter and a device with the adapter's limits. Fails with SoftmixError('backend'). */
export async function acquireDevice(options: AcquireOptions = {}): Promise<AcquiredDevice> {
  const gpu = gpuOf(options.gpu);
  if (!gpu) throw new SoftmixError('backend', 'WebGPU is not available here (navigator.gpu is missing): pass a GPU object (in Node: gpu from dawnGpu() of softmix\'s Node entry), or use the cpu backend');
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new SoftmixError('backend', `WebGPU requestAdapter failed: ${message(e)}`);
  }
  if (!adapter) throw new SoftmixError('backend', 'WebGPU has no adapter on this machine; use the cpu backend');
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  try {
    const device = await adapter.requestDevice({ requiredLimits, label: 'softmix' });
    return { device, adapterInfo: adapter.info };
  } catch (e) {
    throw new SoftmixError('backend', `WebGPU requestDevice failed: ${message(e)}`);
  }
}

/** DeviceInfo from the adapter info (vendor, architecture, description) and the device's key limits. */
export function describeDevice(device: GPUDevice, adapterInfo?: GPUAdapterInfo): DeviceInfo {
  const info = adapterInfo ?? (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const vendor = info?.vendor || undefined;
  const architecture = info?.architecture || undefined;
  const description =
    info?.description || [vendor, architecture, info?.device].filter(Boolean).join(' ') || 'WebGPU device';
  const limits: Record<string, number> = {};
  for (const name of REPORTED_LIMITS) limits[name] = device.limits[name];
  return { backend: 'webgpu', description, vendor, architecture, limits };
}

/**
 * Watches one device: the first loss or uncaptured error becomes `error`, which
 * `check()` throws. `race(promise)` rejects as soon as the device is lost.
 */
export class DeviceWatch {
  private failure: SoftmixError | null = null;
  private closed = false;
  private readonly lostPromise: Promise<SoftmixError>;
  private readonly onError = (event: Event): void => {
    const err = (event as GPUUncapturedErrorEvent).error;
    this.fail(new SoftmixError('device-lost', `WebGPU error on the device: ${err?.message ?? 'unknown error'}`));
  };

  constructor(readonly device: GPUDevice) {
    this.lostPromise = device.lost.then((info) => {
      const e = new SoftmixError(
        'device-lost',
        `WebGPU device lost (${info.reason}): ${info.message || 'no message'}`,
      );
      if (!this.closed) this.fail(e);
      return this.failure ?? e;
    });
    device.addEventListener('uncapturederror', this.onError);
  }

  /** The error every later call rejects with, or null while the device is healthy. */
  get error(): SoftmixError | null {
    return this.failure;
  }

  fail(e: SoftmixError): void {
    if (!this.failure) this.failure = e;
  }

  /** Throws the recorded failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** `promise`, unless the device is lost first: then rejects with the loss. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([
      promise,
      this.lostPromise.then((e) => {
        throw e;
      }),
    ]);
  }

  /** Stops watching (before the owner destroys the device on purpose). */
  close(): void {
    this.closed = true;
    this.device.removeEventListener('uncapturederror', this.onError);
  }
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
