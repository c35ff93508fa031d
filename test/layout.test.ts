import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layers of src/ (README, Architecture): each folder may import only the folders named
// here (and itself). The top level (index.ts, the public API) may import anything.
const MAY_IMPORT: Record<string, string[]> = {
  'errors.ts': [],
  math: [],
  model: ['math', 'errors.ts'],
  io: ['errors.ts'],
  datasets: ['io', 'errors.ts'],
  engines: ['math', 'errors.ts', '../shaders'],
  mom: ['engines', 'math', 'model', 'errors.ts'],
  em: ['engines', 'math', 'errors.ts'],
  inference: ['engines', 'em', 'model', 'math', 'errors.ts'],
  fit: ['inference', 'em', 'mom', 'engines', 'model', 'math', 'errors.ts'],
  browser: ['fit', 'inference', 'em', 'model', 'io', 'errors.ts', '../app', '../scripts'],
  node: ['io', 'errors.ts'],
  cli: ['fit', 'inference', 'em', 'model', 'io', 'browser', 'node', 'errors.ts', '../app'],
};

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** 'fit' for src/fit/x.ts, 'errors.ts' for src/errors.ts, '../app' for app/x.ts, null for src/index.ts */
function layerOf(path: string): string | null {
  const rel = relative(SRC, path).split('/');
  if (rel[0] === '..') return `../${rel[1]}`;
  return rel.length === 1 ? (rel[0] === 'index.ts' ? null : rel[0]) : rel[0];
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^'?]+)/g)].map((m) => normalize(join(dirname(file), m[1])));
}

describe('the layout of src/', () => {
  const files = sources(SRC);

  it('every folder imports only the layers below it', () => {
    const breaches: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      if (layer === null) continue;
      expect(MAY_IMPORT, `${relative(SRC, file)} is in no known layer`).toHaveProperty([layer]);
      for (const target of relativeImports(file)) {
        const to = layerOf(target);
        if (to !== null && to !== layer && !MAY_IMPORT[layer].includes(to)) breaches.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
      }
    }
    expect(breaches).toEqual([]);
  });

  it('keeps files short enough to hold in mind (400 lines at most)', () => {
    const long = files.map((f) => ({ f: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length })).filter((x) => x.lines > 400);
    expect(long).toEqual([]);
  });

  it('gives every folder a README saying what it holds and what it may import', () => {
    const folders = [...new Set(files.map((f) => dirname(f)))].filter((d) => d !== SRC);
    const missing = folders.filter((d) => !readdirSync(d).includes('README.md')).map((d) => relative(SRC, d));
    expect(missing).toEqual([]);
  });
});
