/**
 * The folder of softmix's own package.json, found by walking up from this module. The same
 * code runs from the sources (src/io/) and from the CLI's bundle (dist/cli.js), which sit at
 * different depths, so no fixed '../..' is right for both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SoftmixError } from '../errors.ts';

let cached: { root: string; version: string } | null = null;

function find(): { root: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'softmix') return (cached = { root: dir, version: String(pkg.version) });
    }
    const up = dirname(dir);
    if (up === dir) throw new SoftmixError('internal', `softmix's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The package's root folder (where package.json, dist/ and, in a clone, src/ are). */
export function packageRoot(): string {
  return find().root;
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  return find().version;
}
