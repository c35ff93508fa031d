/**
 * The list of EM starting points for a fit (MATH.md §5): the first start by `init`
 * ('mom' by default, falling back to a subspace start with the reason in `warnings`),
 * then `restarts` more — subspace starts, or random ones when init is 'random', or cluster
 * starts (model/cluster-start.ts) when init is 'cluster'.
 */
import type { Engine } from '../engines/engine.ts';
import { momEstimate, subspaceStart, latentSubspace, type Subspace, type MomDiagnostics } from '../mom/index.ts';
import { randomStart, type StartPoint } from '../model/starts.ts';
import { clusterStart } from '../model/cluster-start.ts';
import type { FloatArray } from '../math/float-array.ts';
import type { Whitening } from '../model/whitening.ts';
import { Rng } from '../math/rng.ts';

export type InitKind = 'mom' | 'subspace' | 'random' | 'cluster';

export interface InitOutcome {
  starts: StartPoint[];
  /** host + device time spent on the starts (MoM, latent moments), ms */
  timeMs: number;
  mom?: { ok: boolean; reason?: string; notes?: string[]; diagnostics?: MomDiagnostics };
  /** starts for the wide search (search.ts), on demand: subspace and random in turn, seeded */
  more: (count: number) => Promise<StartPoint[]>;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function buildStarts(
  engine: Engine,
  K: number,
  design: { covariance: Float64Array; whitening: Whitening; centred: FloatArray; counts: ArrayLike<number> },
  init: InitKind | StartPoint,
  restarts: number,
  seed: number,
  warnings: string[],
): Promise<InitOutcome> {
  const t0 = now();
  const L = engine.L;
  const seeds = new Rng(seed);
  const starts: StartPoint[] = [];
  let subspace: Subspace | undefined;
  let mom: InitOutcome['mom'];
  const getSubspace = async () => {
    if (!subspace) {
      subspace = (await latentSubspace(engine, design.whitening, Math.min(K, L), K > L ? 'dense' : 'auto')).subspace;
    }
    return subspace;
  };

  const cluster = (s: number) => clusterStart(design.centred, engine.p, L, design.counts, K, design.covariance, design.whitening, s);

  if (typeof init === 'object') {
    starts.push(init);
  } else if (init === 'random') {
    starts.push(randomStart(K, L, design.whitening, seeds.nextUint32()));
  } else if (init === 'cluster') {
    starts.push(cluster(seeds.nextUint32()));
  } else if (init === 'mom') {
    const m = await momEstimate(engine, K, design, { seed: seeds.nextUint32() });
    if (m.ok) {
      starts.push({ kind: 'mom', alpha: m.alpha, theta: m.theta });
      // MoM's own notes (e.g. renormalised weights) describe the warm start, not the fit.
      mom = { ok: true, notes: m.warnings, diagnostics: m.diagnostics };
    } else {
      warnings.push(`MoM could not be used (${m.reason}); started from a subspace start instead`);
      mom = { ok: false, reason: m.reason, diagnostics: m.diagnostics };
      subspace = m.subspace;
      starts.push(subspaceStart(await getSubspace(), K, design.whitening, seeds.nextUint32()));
    }
  } else {
    starts.push(subspaceStart(await getSubspace(), K, design.whitening, seeds.nextUint32()));
  }
  for (let r = 0; r < restarts; r++) {
    starts.push(
      init === 'random'
        ? randomStart(K, L, design.whitening, seeds.nextUint32())
        : init === 'cluster'
          ? cluster(seeds.nextUint32())
          : subspaceStart(await getSubspace(), K, design.whitening, seeds.nextUint32()),
    );
  }
  // The wide search's starts draw on a stream of their own, so that the first starts are
  // the same whether or not the search widens.
  const moreSeeds = new Rng(seeds.nextUint32());
  const more = async (count: number) => {
    const out: StartPoint[] = [];
    for (let i = 0; i < count; i++) {
      out.push(i % 2 === 0 ? subspaceStart(await getSubspace(), K, design.whitening, moreSeeds.nextUint32()) : randomStart(K, L, design.whitening, moreSeeds.nextUint32()));
    }
    return out;
  };
  return { starts, timeMs: now() - t0, mom, more };
}
