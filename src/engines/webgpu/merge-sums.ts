/**
 * Wrapper of shaders/merge-sums.wgsl: 256-way tree merges of sum partials (n × W → ⌈n/256⌉ × W),
 * and of compensated (hi, lo) partials (mergePairs).
 */
import mergeWgsl from '../../../shaders/merge-sums.wgsl?raw';
import pairAddWgsl from '../../../shaders/pair-add.wgsl?raw';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, type Dispatch } from './kernel.ts';

export const mergeSumsShader: ShaderSource = { name: 'merge-sums.wgsl', code: `${mergeWgsl}\n${pairAddWgsl}` };
export const MERGE_GROUP = 256;
export const MERGE_COLUMNS = 16;

export class MergeSumsKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly pairsPipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<MergeSumsKernel> {
    const [m, p] = await Promise.all([getPipeline(device, mergeSumsShader, 'main'), getPipeline(device, mergeSumsShader, 'mergePairs')]);
    return new MergeSumsKernel(device, m, p);
  }

  merge(a: { input: GPUBuffer; out: GPUBuffer; n: number; W: number }): Dispatch {
    // the column tiles fill grid y up to the device's limit, then fold into z
    const tiles = ceilDiv(a.W, MERGE_COLUMNS);
    const tilesY = Math.min(tiles, this.device.limits.maxComputeWorkgroupsPerDimension);
    return makeDispatch(this.device, 'merge-sums', this.pipeline, [a.n, a.W, tilesY, 0], { 1: a.input, 2: a.out }, [
      ceilDiv(a.n, MERGE_GROUP),
      tilesY,
      ceilDiv(tiles, tilesY),
    ]);
  }

  /** n (hi, lo) pairs → ⌈n/256⌉ pairs. */
  mergePairs(a: { input: GPUBuffer; out: GPUBuffer; n: number }): Dispatch {
    return makeDispatch(this.device, 'merge-sums pairs', this.pairsPipeline, [a.n, 2, 0, 0], { 3: a.input, 4: a.out }, [ceilDiv(a.n, MERGE_GROUP), 1, 1]);
  }

  /** Merge levels of (hi, lo) pairs down to at most `cap`, ping-ponging (each scratch ≥ ⌈n/256⌉ · 8 bytes). */
  chainPairs(input: GPUBuffer, n: number, cap: number, scratch: [GPUBuffer, GPUBuffer]): { dispatches: Dispatch[]; buffer: GPUBuffer; n: number } {
    const dispatches: Dispatch[] = [];
    let buffer = input;
    let level = 0;
    while (n > Math.max(1, cap)) {
      const out = scratch[level % 2];
      dispatches.push(this.mergePairs({ input: buffer, out, n }));
      buffer = out;
      n = ceilDiv(n, MERGE_GROUP);
      level++;
    }
    return { dispatches, buffer, n };
  }

  /**
   * Merge levels from n partials of width W down to at most `cap` (≥ 1), ping-ponging
   * between the two scratch buffers (each ≥ ⌈n/256⌉ · W · 4 bytes).
   */
  chain(input: GPUBuffer, n: number, W: number, cap: number, scratch: [GPUBuffer, GPUBuffer]): { dispatches: Dispatch[]; buffer: GPUBuffer; n: number } {
    const dispatches: Dispatch[] = [];
    let buffer = input;
    let level = 0;
    while (n > Math.max(1, cap)) {
      const out = scratch[level % 2];
      dispatches.push(this.merge({ input: buffer, out, n, W }));
      buffer = out;
      n = ceilDiv(n, MERGE_GROUP);
      level++;
    }
    return { dispatches, buffer, n };
  }
}
