/** The demo page (minimal for now): simulate, fit with backend 'auto', show the report. */
import { simulate } from '../src/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit.ts';
import { compareWithTruth } from '../src/report.ts';
import { formatFitReport } from '../src/format.ts';
import { webGpuAvailable } from '../src/engine.ts';

const form = document.getElementById('controls') as HTMLFormElement;
const output = document.getElementById('output')!;
const notice = document.getElementById('notice')!;

if (!webGpuAvailable()) {
  notice.hidden = false;
  notice.textContent = 'WebGPU is not available in this browser: fits run on the (slower) cpu backend.';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const v = (name: string) => Number((form.elements.namedItem(name) as HTMLInputElement).value);
  const [p, L, K, N, seed] = ['p', 'L', 'K', 'N', 'seed'].map(v);
  output.textContent = 'simulating…';
  try {
    const sim = simulate({ p, L, K, N, seed, thetaNorm: 1.5 });
    output.textContent = 'fitting…';
    const fit = await fitSoftmaxMixture(
      { features: sim.features, p, L, counts: sim.counts },
      {
        K,
        seed,
        restarts: 3,
        backend: 'auto',
        onIteration: (i) => (output.textContent = `fitting… ${i.phase} start ${i.start + 1}, iteration ${i.iteration}, ℓ/N = ${i.logLikPerSample.toFixed(6)}`),
      },
    );
    const truth = {
      alpha: Array.from(sim.truth.alpha),
      theta: Array.from({ length: K }, (_, k) => Array.from(sim.truth.theta.subarray(k * L, (k + 1) * L))),
    };
    output.textContent = formatFitReport(fit, compareWithTruth(fit, truth));
  } catch (err) {
    output.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
  }
});
