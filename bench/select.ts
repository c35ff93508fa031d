/**
 * Choosing K by count splitting (src/fit/select.ts), on cpu:
 *
 *   npx tsx bench/select.ts --setting sim     # p = 5000, L = 8, K = 3, N = 1e6, |θ| = 1.5, seeds 1..10, K = 1..6
 *   npx tsx bench/select.ts --setting books   # the books training counts, K = 1..10, also scored on the held-out counts
 *
 * Writes its section of bench/select.md (between the setting's markers) and prints it.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulate } from '../src/model/simulate.ts';
import { selectModel, type SelectionResult } from '../src/fit/select.ts';
import { loadBooks } from '../src/datasets/books-node.ts';
import { logLikelihood, mixtureLogProbabilities } from '../src/model/mixture.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const setting = arg('setting', 'sim');
const seeds = Number(arg('seeds', '10'));
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'select.md');
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const fmt = (x: number, d = 6) => x.toFixed(d);

async function sim(): Promise<string> {
  const S = { p: 5000, L: 8, K: 3, N: 1_000_000, thetaNorm: Number(arg('theta', '1.5')) };
  const lines = [
    `Simulated: p = ${S.p}, L = ${S.L}, K = ${S.K}, N = ${S.N}, |θ| = ${S.thetaNorm}, uniform weights; candidates K = 1..6, one split (half held out), default fit options (4 restarts, tol 1e-8) on cpu.`,
    '',
    '| seed | best validation ℓ/N | one-SE rule | BIC | AIC | validation ℓ/N(K) − ℓ/N(3), ×1e-6, K = 4, 5, 6 | seconds |',
    '|---|---|---|---|---|---|---|',
  ];
  const hits = { best: 0, oneSE: 0, bic: 0 };
  for (let seed = 1; seed <= seeds; seed++) {
    const s = simulate({ ...S, seed });
    const t0 = performance.now();
    const r = await selectModel({ features: s.features, p: s.p, L: s.L, counts: s.counts }, { K: range(1, 6), seed, fit: { backend: 'cpu' } });
    const seconds = (performance.now() - t0) / 1000;
    const aic = r.table.reduce((b, row, i) => (row.aic < r.table[b].aic ? i : b), 0);
    const at3 = r.table[2].validationLogLikPerSample;
    hits.best += +(r.bestChoice.K === 3);
    hits.oneSE += +(r.oneSeChoice.K === 3);
    hits.bic += +(r.bicChoice.K === 3);
    const row = `| ${seed} | ${r.bestChoice.K} | ${r.oneSeChoice.K} | ${r.bicChoice.K} | ${r.table[aic].K} | ${r.table.slice(3).map((x) => ((x.validationLogLikPerSample - at3) * 1e6).toFixed(1)).join(', ')} | ${seconds.toFixed(0)} |`;
    console.error(row);
    lines.push(row);
  }
  lines.push('', `K = 3 chosen in ${hits.best} of ${seeds} seeds by the best validation ℓ/N, ${hits.oneSE} of ${seeds} by the one-SE rule, ${hits.bic} of ${seeds} by BIC.`);
  return lines.join('\n');
}

async function books(): Promise<string> {
  const b = loadBooks();
  const Kmax = Number(arg('Kmax', '10'));
  const ridge = Number(arg('ridge', '0'));
  const t0 = performance.now();
  const r: SelectionResult = await selectModel(
    { features: b.features, p: b.p, L: b.L, counts: b.countsTrain },
    {
      K: range(1, Kmax),
      ridge: [ridge],
      seed: 1,
      fit: { backend: 'cpu' },
      onProgress: (i) => i.stage === 'candidate' && console.error(`K = ${i.row.K}: validation ℓ/N ${fmt(i.row.validationLogLikPerSample)} (${i.row.seconds.toFixed(0)} s)`),
    },
  );
  const heldN = b.countsHeldout.reduce((a, x) => a + x, 0);
  const heldout = (alpha: number[], theta: number[][]) =>
    logLikelihood(b.countsHeldout, mixtureLogProbabilities(b.features, b.p, b.L, { alpha: Float64Array.from(alpha), theta: Float64Array.from(theta.flat()) })) / heldN;
  const lines = [
    `Books training counts (p = ${b.p}, L = ${b.L}, N = ${r.split.N}), one split (N_train = ${r.split.NTrain[0]}, N_validation = ${r.split.NValidation[0]}), K = 1..${Kmax}, λ = ${ridge}, default fit options on cpu. ` +
      `"held-out ℓ/N" scores the same training-part fit on the books' own held-out counts (N = ${heldN}) as a check.`,
    '',
    '| K | d | validation ℓ/N | diff ± se (×1e-4) | train ℓ/N | held-out ℓ/N | BIC | AIC | converged | E-steps | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of r.table) {
    const f = row.folds[0];
    lines.push(
      `| ${row.K} | ${row.parameters} | ${fmt(row.validationLogLikPerSample)} | ${(row.differenceFromBest * 1e4).toFixed(2)} ± ${(row.differenceStdError * 1e4).toFixed(2)} | ${fmt(row.trainLogLikPerSample)} | ${fmt(heldout(f.alpha, f.theta))} | ${row.bic.toFixed(0)} | ${row.aic.toFixed(0)} | ${row.converged ? 'yes' : row.stopReason} | ${row.eSteps} | ${row.seconds.toFixed(1)} |`,
    );
  }
  const best = r.table.reduce((i, row, j) => (heldout(row.folds[0].alpha, row.folds[0].theta) > heldout(r.table[i].folds[0].alpha, r.table[i].folds[0].theta) ? j : i), 0);
  lines.push(
    '',
    `Chosen: K = ${r.bestChoice.K} by validation ℓ/N, K = ${r.oneSeChoice.K} by the one-SE rule, K = ${r.bicChoice.K} by BIC; the books' held-out counts would pick K = ${r.table[best].K}. ` +
      `Refit of K = ${r.chosen.K} on all training counts: ℓ/N ${fmt(r.refit.logLikPerSample)}, held-out ℓ/N ${fmt(heldout(r.refit.alpha, r.refit.theta))}. Total ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
  );
  return lines.join('\n');
}

/** Replaces this setting's section of select.md (or appends it), leaving the other's as it was. */
function writeSection(name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const command = `\`npx tsx bench/select.ts --setting ${name}${args.filter((a) => a !== '--setting' && a !== name).map((a) => ` ${a}`).join('')}\` (${new Date().toISOString().slice(0, 10)})`;
  const section = `${start}\n## ${name}\n\n${command}\n\n${body}\n${end}`;
  let text = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Choosing K by count splitting\n\nSee src/fit/select.ts. Each section is written by the command under its heading.\n';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(OUT, text);
}

const body = setting === 'books' ? await books() : setting === 'sim' ? await sim() : (() => { throw new Error(`--setting must be sim or books, got ${setting}`); })();
writeSection(setting, body);
console.log(body);
