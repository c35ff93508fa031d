/**
 * Imported first by the benches that run WebGPU through Dawn in this process: the engine
 * imports its WGSL as `shaders/x.wgsl?raw` (Vite's syntax), which tsx cannot load, so this
 * registers the loader hook bin/softmix.mjs uses (such an import becomes a module whose
 * default export is the file's text). Modules that import WGSL must be imported after it,
 * dynamically.
 */
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    import { readFile } from 'node:fs/promises';
    export async function load(url, context, next) {
      if (!url.startsWith('file:') || !url.endsWith('.wgsl?raw')) return next(url, context);
      const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
      return { format: 'module', source: 'export default ' + JSON.stringify(text), shortCircuit: true };
    }`)}`,
);
