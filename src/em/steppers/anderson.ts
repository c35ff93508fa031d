/**
 * Anderson acceleration (type II, window m) of the EM map in u = (log α, Θ), on request
 * (`acceleration: 'anderson'`): one E-step per accepted step; a candidate that lowers the
 * objective is replaced by the plain EM step and the history starts again.
 */
import { choleskyInPlace, choleskySolve, dot } from '../../math/linalg.ts';
import { toU, fromU, type Params, type State } from '../state.ts';
import { acceptedNow, type Step, type StepContext, type Stepper } from './stepper.ts';

export const ANDERSON_WINDOW = 5;

/** x_{k+1} = g_k − ΔG γ with γ = argmin |f_k − ΔF γ| (f = g − u), lightly regularised. */
export function andersonPoint(history: { u: Float64Array; g: Float64Array }[], K: number, L: number): Params | null {
  const m = history.length - 1;
  const n = history[0].u.length;
  const f = history.map((h) => h.g.map((v, i) => v - h.u[i]));
  const dF: Float64Array[] = [];
  const dG: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    dF.push(f[i + 1].map((v, j) => v - f[i][j]));
    dG.push(history[i + 1].g.map((v, j) => v - history[i].g[j]));
  }
  const fk = f[m];
  const gram = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    rhs[a] = dot(dF[a], fk);
    for (let b = 0; b < m; b++) gram[a * m + b] = dot(dF[a], dF[b]);
  }
  let scale = 0;
  for (let a = 0; a < m; a++) scale = Math.max(scale, gram[a * m + a]);
  if (!(scale > 0)) return null;
  for (let a = 0; a < m; a++) gram[a * m + a] += 1e-10 * scale;
  if (!choleskyInPlace(gram, m)) return null;
  const gamma = choleskySolve(gram, m, rhs);
  const u = Float64Array.from(history[m].g);
  for (let a = 0; a < m; a++) for (let j = 0; j < n; j++) u[j] -= gamma[a] * dG[a][j];
  return fromU(u, K, L);
}

/** Anderson mixing as a stepper; its window of past steps lives as long as the run (a resumed run starts afresh). */
export class Anderson implements Stepper {
  private readonly history: { u: Float64Array; g: Float64Array }[] = [];

  constructor(
    private readonly K: number,
    private readonly L: number,
  ) {}

  async step(current: State, { map }: StepContext): Promise<Step> {
    const { K, L, history } = this;
    const g = await map.mStep(current);
    history.push({ u: toU(current, K, L), g: toU(g, K, L) });
    if (history.length > ANDERSON_WINDOW + 1) history.shift();
    const candidate = history.length > 1 ? andersonPoint(history, K, L) : null;
    let next: State | null = null;
    let rejected = 0;
    if (candidate) {
      const s = await map.evaluate(candidate);
      if (Number.isFinite(s.objective) && s.objective >= current.objective) next = s;
      else {
        rejected++;
        history.length = 0; // restart the history after a failed step
      }
    }
    return { accepted: acceptedNow(map, [next ?? (await map.evaluate(g))]), rejected };
  }
}
