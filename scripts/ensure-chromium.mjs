#!/usr/bin/env node
// Makes sure a system Chromium is there for the browser tests, the CLI's WebGPU
// backend and the benchmark. Playwright's own browser download cannot work on our
// machines, so we use Debian's `chromium` package: installed with apt-get when we
// are root, otherwise we stop and say how to install it.
import { execFileSync } from 'node:child_process';
import { findChromium } from './chromium.mjs';

export function ensureChromium({ quiet = false } = {}) {
  let found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) {
    throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist. Point it at a Chromium executable or unset it.`);
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      'No Chromium found (looked for /usr/bin/chromium and friends). Install it with\n' +
        '  sudo apt-get update && sudo apt-get install -y chromium\n' +
        'or set CHROMIUM_PATH to a Chromium/Chrome executable.',
    );
  }
  if (!quiet) console.error('softmix: no Chromium found; installing Debian\'s chromium with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  found = findChromium();
  if (!found) throw new Error('apt-get install chromium finished but no Chromium executable was found.');
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const path = ensureChromium();
    console.error(`softmix: using Chromium at ${path}`);
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  }
}
