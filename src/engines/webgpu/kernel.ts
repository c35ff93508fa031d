/**
 * What every kernel wrapper produces: a `Dispatch` (pipeline, bind group with its own
 * small uniform buffer of shapes, workgroup grid). Dispatches are built once per plan
 * and replayed on every call, so the per-call cost is encoding only.
 */
import { SoftmixError } from '../../errors.ts';
import { BufferUsage } from './flags.ts';

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: [number, number, number];
  /** The uniform buffer this dispatch owns (destroyed with it). */
  uniform: GPUBuffer;
  /**
   * Present on the dispatches that bind X: the X traffic they request, as `reads` full
   * reads of the `rows` rows of X their slice covers. The definition (every count of
   * EngineCounters.xReads rests on it): the words of X the dispatch's workgroups load,
   * each workgroup counting a word once however many of its invocations load it (loads
   * shared inside a workgroup are one request), summed over the workgroups and divided by
   * rows·L. It is the traffic a GPU that reuses nothing across workgroups (no L2 hits
   * between them) would see; a real cache can only do better. Each kernel wrapper works it
   * out from its shader (scores.ts, weighted-sum.ts, weighted-gram.ts); a plan sums
   * rows·reads over its dispatches, and the engine adds that sum / p per call.
   */
  x?: XTraffic;
}

/** See `Dispatch.x`. */
export interface XTraffic {
  rows: number;
  reads: number;
}

/** Storage bindings of one dispatch: binding number → buffer (bound whole). */
export type Bindings = Record<number, GPUBuffer>;

/**
 * A dispatch of `pipeline` with `params` (u32 each) in a fresh uniform buffer at
 * binding `uniformBinding`, the storage `bindings`, and the workgroup grid `groups`.
 */
export function makeDispatch(
  device: GPUDevice,
  label: string,
  pipeline: GPUComputePipeline,
  params: number[],
  bindings: Bindings,
  groups: [number, number, number],
  uniformBinding = 0,
): Dispatch {
  checkGrid(device, label, groups);
  const words = Math.max(4, Math.ceil(params.length / 4) * 4); // 16-byte multiple
  const uniform = device.createBuffer({
    label: `${label} params`,
    size: words * 4,
    usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  const view = new Uint32Array(uniform.getMappedRange());
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      uniform.unmap();
      uniform.destroy();
      throw new SoftmixError('internal', `${label}: shape parameter ${i} = ${v} is not a u32`);
    }
    view[i] = v;
  }
  uniform.unmap();
  const entries: GPUBindGroupEntry[] = [{ binding: uniformBinding, resource: { buffer: uniform } }];
  for (const [binding, buffer] of Object.entries(bindings)) entries.push({ binding: Number(binding), resource: { buffer } });
  const bindGroup = device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  return { label, pipeline, bindGroup, groups, uniform };
}

export function checkGrid(device: GPUDevice, label: string, groups: [number, number, number]): void {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  for (const g of groups) {
    if (!Number.isInteger(g) || g < 1 || g > max) {
      throw new SoftmixError('internal', `${label}: workgroup grid [${groups.join(', ')}] is outside 1..${max}`);
    }
  }
}

/** Records `dispatches` into one compute pass. */
export function encodeDispatches(encoder: GPUCommandEncoder, dispatches: readonly Dispatch[]): void {
  if (dispatches.length === 0) return;
  const pass = encoder.beginComputePass();
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
  }
  pass.end();
}

export function destroyDispatches(dispatches: readonly Dispatch[]): void {
  for (const d of dispatches) d.uniform.destroy();
}

/** A storage buffer of at least `bytes` (rounded up to 16, never empty). */
export function storageBuffer(device: GPUDevice, label: string, bytes: number, extraUsage = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST | extraUsage,
  });
}

export const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

/** The most bytes the split-K partials of one wide reduction may take (the bound). */
export const MAX_PARTIAL_BYTES = 64 * 2 ** 20;

/**
 * Row groups per slice for a wide reduction whose partials are W floats each, over
 * `slices` slices: SPLIT_MAX_GROUPS, or fewer where the partials would pass
 * MAX_PARTIAL_BYTES (never below 1: each group then spans a whole slice, and one partial
 * per slice remains). Fewer groups only lengthen each invocation's compensated sum.
 */
export function wideGroups(W: number, slices: number): number {
  return Math.max(1, Math.min(SPLIT_MAX_GROUPS, Math.floor(MAX_PARTIAL_BYTES / (4 * W * Math.max(1, slices)))));
}

/** Most workgroups a wide (split-K) reduction puts on one slice, and fewest rows each takes. */
export const SPLIT_MAX_GROUPS = 64;
export const SPLIT_MIN_ROWS = 256;

/**
 * How a wide reduction (weighted-sum, weighted-gram) splits the rows of a slice:
 * `groups` workgroups of `span` consecutive rows. At most SPLIT_MAX_GROUPS per slice
 * keeps the partial buffers O(K·L²·slices) instead of O(p); each invocation then
 * sums its rows with a cascade, so accuracy does not degrade with the span.
 */
export function splitRows(rows: number, maxGroups = SPLIT_MAX_GROUPS): { groups: number; span: number } {
  maxGroups = Math.max(1, Math.min(SPLIT_MAX_GROUPS, maxGroups));
  const groups = Math.max(1, Math.min(maxGroups, ceilDiv(rows, SPLIT_MIN_ROWS)));
  return { groups, span: ceilDiv(rows, groups) };
}
