#!/usr/bin/env node
// The `softmix` command. An installed package runs the compiled CLI (dist/cli.js, shaders
// inlined). A clone of the repository has the sources and no build: there tsx compiles them
// on the fly, so `npm start` and the tests always run what is in src/, never a stale dist/.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const sources = new URL('../src/cli/cli.ts', import.meta.url);
if (existsSync(sources)) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // The engine imports its WGSL as `shaders/x.wgsl?raw` (Vite's syntax), which tsx cannot
  // load: make such an import a module whose default export is the file's text (needed when
  // the CLI runs WebGPU in this process, through Dawn).
  const hooks = `
    import { readFile } from 'node:fs/promises';
    export async function load(url, context, next) {
      if (!url.startsWith('file:') || !url.endsWith('.wgsl?raw')) return next(url, context);
      const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
      return { format: 'module', source: 'export default ' + JSON.stringify(text), shortCircuit: true };
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  await import(sources.href);
} else {
  await import('../dist/cli.js');
}
