/**
 * A plan: everything one engine call does on the device for one configuration (a
 * mode and K), built once and replayed: the dispatches (with their uniforms and bind
 * groups), the small buffers they use, and the copies of the small results into one
 * staging buffer, which the call maps once. The builders that fill a plan live in
 * softmax-plan.ts (E-step, softmax statistics) and moment-plan.ts (latent moments).
 */
import { SoftmixError } from '../../errors.ts';
import { BufferUsage } from './flags.ts';
import type { ChunkLimits } from './chunks.ts';
import { bindingBytes } from './chunks.ts';
import { ceilDiv, destroyDispatches, encodeDispatches, storageBuffer, type Dispatch } from './kernel.ts';
import type { ScoresKernel } from './scores.ts';
import type { LogSumExpKernel } from './logsumexp.ts';
import type { EStepKernel } from './estep.ts';
import type { WeightedSumKernel } from './weighted-sum.ts';
import type { WeightedGramKernel } from './weighted-gram.ts';
import { MERGE_GROUP, type MergeSumsKernel } from './merge-sums.ts';
import type { MomentWeightsKernel } from './moment-weights.ts';
import type { ThirdMomentKernel } from './third-moment.ts';
import type { HvpWeightsKernel } from './hvp-weights.ts';

/**
 * Where each slice's partials start, for a narrow reduction (one partial per 256 rows) and a
 * wide one (split-K groups), and how many there are in all.
 */
export function sliceOffsets(slices: readonly { rows: number }[], narrowCount: (rows: number) => number, wideCount: (rows: number) => number) {
  const narrowAt: number[] = [];
  const wideAt: number[] = [];
  let nNarrow = 0;
  let nWide = 0;
  for (const sl of slices) {
    narrowAt.push(nNarrow);
    wideAt.push(nWide);
    nNarrow += narrowCount(sl.rows);
    nWide += wideCount(sl.rows);
  }
  return { narrowAt, wideAt, nNarrow, nWide };
}

export interface Kernels {
  scores: ScoresKernel;
  lse: LogSumExpKernel;
  estep: EStepKernel;
  wsum: WeightedSumKernel;
  gram: WeightedGramKernel;
  merge: MergeSumsKernel;
  momentWeights: MomentWeightsKernel;
  third: ThirdMomentKernel;
  hvp: HvpWeightsKernel;
}

/** X and the counts on the device, one buffer pair per chunk. */
export interface DeviceChunk {
  x: GPUBuffer;
  counts: GPUBuffer;
  rows: number;
}

export interface PlanEnv {
  device: GPUDevice;
  kernels: Kernels;
  L: number;
  chunks: readonly DeviceChunk[];
  limits: ChunkLimits;
  /** scores and weights of one slice (≥ max slice rows · K · 4 bytes each), shared by all plans */
  s: GPUBuffer;
  w: GPUBuffer;
  /** testing knob: at most this many partials of each reduction are left for the host */
  maxHostPartials?: number;
}

/**
 * One block of the readback: n partials of `width` floats from float offset `offset`;
 * the result is the columns [first, first + count) of each (default: all of them), so
 * that reductions the device does in one buffer (the E-step's and σ's weight columns)
 * come back as separate results.
 */
export interface Section {
  offset: number;
  n: number;
  width: number;
  first?: number;
  count?: number;
}

/** The view of the columns [first, first + count) of each of a section's partials. */
export function columnsOf(sec: Section, first: number, count: number): Section {
  if (first < 0 || first + count > sec.width) throw new Error(`columnsOf: columns ${first} .. ${first + count - 1} are outside a width of ${sec.width}`);
  return { ...sec, first, count };
}

/** Floats of one reduction left for the host at most, and its partials at most. */
const READBACK_FLOATS_PER_SECTION = 1 << 16;
const HOST_PARTIALS_MAX = 4096;

/** Plan.cap for partials of width W, with the testing knob `maxHostPartials` (PlanEnv). */
export function hostPartialsCap(W: number, maxHostPartials = HOST_PARTIALS_MAX): number {
  const byBudget = Math.max(1, Math.floor(READBACK_FLOATS_PER_SECTION / W));
  return Math.max(1, Math.min(HOST_PARTIALS_MAX, byBudget, maxHostPartials));
}

export class Plan<Layout> {
  readonly dispatches: Dispatch[] = [];
  readonly layout: Layout;
  readonly staging: GPUBuffer;
  /** floats read back per call */
  floats = 0;
  private readonly copies: { src: GPUBuffer; dst: number; bytes: number }[] = [];
  private readonly owned: GPUBuffer[] = [];

  constructor(
    readonly env: PlanEnv,
    readonly label: string,
    build: (plan: Plan<Layout>) => Layout,
  ) {
    try {
      this.layout = build(this);
      this.staging = env.device.createBuffer({
        label: `softmix ${label} readback`,
        size: Math.max(16, Math.ceil((this.floats * 4) / 16) * 16),
        usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
      });
      this.owned.push(this.staging);
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Σ rows·reads of X over the dispatches (kernel.ts, `Dispatch.x`): one call reads X this / p times. */
  get xRowReads(): number {
    let sum = 0;
    for (const d of this.dispatches) if (d.x) sum += d.x.rows * d.x.reads;
    return sum;
  }

  /** Bytes of the buffers the plan holds, by label (its storage buffers, the readback staging, and all its dispatches' uniforms under one label). */
  bufferSizes(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (label: string, bytes: number) => (out[label] = (out[label] ?? 0) + bytes);
    for (const b of this.owned) add(b === this.staging ? 'readback' : b.label.replace(/^softmix /, ''), b.size);
    for (const d of this.dispatches) add('uniforms', d.uniform.size);
    return out;
  }

  /** Records the dispatches and the copies into the staging buffer. */
  encode(encoder: GPUCommandEncoder): void {
    encodeDispatches(encoder, this.dispatches);
    for (const c of this.copies) encoder.copyBufferToBuffer(c.src, 0, this.staging, c.dst * 4, c.bytes);
  }

  destroy(): void {
    destroyDispatches(this.dispatches);
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.dispatches.length = 0;
  }

  // ---- used by the builders ----

  push(...d: Dispatch[]): void {
    this.dispatches.push(...d);
  }

  /** A storage buffer owned by the plan; more than one binding allows is an error. */
  buffer(label: string, bytes: number): GPUBuffer {
    if (bytes > bindingBytes(this.env.limits)) {
      throw new SoftmixError('backend', `softmix ${label} needs ${bytes} bytes, more than one WebGPU binding allows (${bindingBytes(this.env.limits)})`);
    }
    const b = storageBuffer(this.env.device, `softmix ${label}`, bytes);
    this.owned.push(b);
    return b;
  }

  /** Copies the first n·width floats of `src` into the readback. */
  section(src: GPUBuffer, n: number, width: number): Section {
    const sec = { offset: this.floats, n, width };
    this.copies.push({ src, dst: this.floats, bytes: n * width * 4 });
    this.floats += n * width;
    return sec;
  }

  /**
   * The largest number of partials of width W the host takes (≤ 4096, ≤ 64 Ki floats):
   * summing a few thousand partials in float64 costs the host microseconds, and each
   * merge level it saves is a dispatch.
   */
  cap(W: number): number {
    return hostPartialsCap(W, this.env.maxHostPartials);
  }

  /** Two scratch buffers for the merge levels of n partials of `bytesPerPartial` down to `cap`. */
  pingPong(label: string, n: number, bytesPerPartial: number, cap: number): [GPUBuffer, GPUBuffer] {
    const bytes = n > cap ? ceilDiv(n, MERGE_GROUP) * bytesPerPartial : 16;
    return [this.buffer(`${label} merge A`, bytes), this.buffer(`${label} merge B`, bytes)];
  }

  /** Merges n sum partials of width W in `input` down to at most cap(W); returns the readback section. */
  mergeSums(label: string, input: GPUBuffer, n: number, W: number): { buffer: GPUBuffer; n: number; section: Section } {
    const cap = this.cap(W);
    const chain = this.env.kernels.merge.chain(input, n, W, cap, this.pingPong(label, n, W * 4, cap));
    this.push(...chain.dispatches);
    return { buffer: chain.buffer, n: chain.n, section: this.section(chain.buffer, chain.n, W) };
  }
}

/**
 * Bytes of an engine's device buffers, by label: the X and count chunks, the score/weight
 * scratch, and per cached plan (`plan <its label>: <buffer>`) its storage buffers, uniforms
 * and readback; `total` is the sum of the rest (Engine.bufferSizes).
 */
export function deviceBufferSizes(chunks: readonly DeviceChunk[], scratch: readonly GPUBuffer[], plans: Iterable<Plan<unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (label: string, bytes: number) => (out[label] = (out[label] ?? 0) + bytes);
  for (const c of chunks) {
    add('X chunks', c.x.size);
    add('counts chunks', c.counts.size);
  }
  for (const b of scratch) add(`scratch ${b.label.replace(/^softmix /, '')}`, b.size);
  for (const plan of plans) for (const [label, bytes] of Object.entries(plan.bufferSizes())) add(`plan ${plan.label}: ${label}`, bytes);
  out.total = Object.values(out).reduce((a, b) => a + b, 0);
  return out;
}
