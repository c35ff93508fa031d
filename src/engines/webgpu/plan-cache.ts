/**
 * The WebGPU engine's cached dispatch plans, and the score/weight scratch they share.
 * A plan is built on first use of its key and replayed after; at most MAX_PLANS are kept
 * (least recently used). The scratch grows when a wider plan needs it, which rebuilds the
 * plans holding the old one (their bind groups name it).
 * A plan built for passes with K components is kept with its K, which `release(K)` reads.
 */
import { planSlices, type Chunk, type Slice } from './chunks.ts';
import { storageBuffer } from './kernel.ts';
import type { Plan, PlanEnv } from './plan.ts';

/** Plans kept per engine (one per (mode, K) in use; EM uses two or three, MoM a few more). */
const MAX_PLANS = 8;

export class PlanCache {
  private readonly plans = new Map<string, { plan: Plan<unknown>; K?: number }>();
  private scratch: { s: GPUBuffer; w: GPUBuffer; bytes: number } | null = null;

  /** `env`: everything a plan is built from except the scratch, which the cache owns. */
  constructor(
    private readonly env: Omit<PlanEnv, 's' | 'w'>,
    private readonly chunkRows: readonly Chunk[],
  ) {}

  /** The plan under `key`, built on first use from slices for `columns` scores/weights per row; `K` where it serves K components. */
  get<T>(key: string, columns: number, build: (env: PlanEnv, slices: Slice[]) => Plan<T>, K?: number): Plan<T> {
    const hit = this.plans.get(key);
    if (hit) {
      this.plans.delete(key);
      this.plans.set(key, hit);
      return hit.plan as Plan<T>;
    }
    const slices = planSlices(this.chunkRows, columns, this.env.limits);
    const bytes = Math.max(...slices.map((s) => s.rows)) * columns * 4;
    if (!this.scratch || this.scratch.bytes < bytes) {
      this.destroy();
      const device = this.env.device;
      this.scratch = { s: storageBuffer(device, 'softmix scores', bytes), w: storageBuffer(device, 'softmix weights', bytes), bytes };
    }
    const plan = build({ ...this.env, s: this.scratch.s, w: this.scratch.w }, slices);
    this.plans.set(key, { plan: plan as Plan<unknown>, K });
    if (this.plans.size > MAX_PLANS) {
      const [oldest, old] = this.plans.entries().next().value!;
      old.plan.destroy();
      this.plans.delete(oldest);
    }
    return plan;
  }

  /** Destroys the plans for passes with K components. */
  release(K: number): void {
    for (const [key, entry] of [...this.plans]) {
      if (entry.K !== K) continue;
      entry.plan.destroy();
      this.plans.delete(key);
    }
  }

  /** The scratch buffers and the plans, for Engine.bufferSizes. */
  held(): { scratch: GPUBuffer[]; plans: Iterable<Plan<unknown>> } {
    return { scratch: this.scratch ? [this.scratch.s, this.scratch.w] : [], plans: [...this.plans.values()].map((e) => e.plan) };
  }

  /** Destroys every plan and the scratch. */
  destroy(): void {
    for (const { plan } of this.plans.values()) plan.destroy();
    this.plans.clear();
    this.scratch?.s.destroy();
    this.scratch?.w.destroy();
    this.scratch = null;
  }
}
