#!/usr/bin/env node
// `npm run build`: the package's dist/ from src/.
//   dist/index.js, dist/node.js, dist/cli.js: ESM, WGSL inlined as strings,
//     not minified (bundlers minify; stack traces stay readable). index.js is the browser and
//     bundler entry; node.js adds what needs Node (files, Dawn); cli.js is the command.
//   dist/softmix.min.js: the library in one self-contained, minified ESM file, for pages with
//     no bundler and for CDNs.
//   dist/harness/: the page the installed CLI opens in headless Chromium for --backend webgpu
//     when Dawn is not there (a clone serves the sources through Vite instead).
//   dist/types/: .d.ts files (tsc), which reference @webgpu/types.
// papaparse and commander are bundled in, so the library has no runtime dependencies; the
// CLI's heavy optional parts (playwright-core, webgpu) stay external and load on demand.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** `import text from './x.wgsl?raw'` (Vite's syntax, used by the sources) → the file's text. */
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

/** The CLI's optional parts: loaded with import() only when a run needs them. */
const OPTIONAL = ['playwright', 'playwright-core', 'webgpu', 'vite'];

const common = { bundle: true, format: 'esm', target: 'es2022', plugins: [rawText], legalComments: 'eof', logLevel: 'warning' };

rmSync(dist, { recursive: true, force: true });

// Each entry is self-contained: a program loads one of them (Node resolves 'softmix' to
// node.js, a bundler or page to index.js), so no class is ever loaded twice.
await build({ ...common, entryPoints: ['src/index.ts'], outfile: join(dist, 'index.js'), platform: 'browser' });
// CommonJS inside an ESM bundle (commander) calls require() for Node's built-ins: give it one.
const nodeRequire = { js: "import { createRequire as __softmixCreateRequire } from 'node:module';\nconst require = __softmixCreateRequire(import.meta.url);" };
await build({ ...common, entryPoints: ['src/node/index.ts'], outfile: join(dist, 'node.js'), platform: 'node', external: OPTIONAL, banner: nodeRequire });
await build({ ...common, entryPoints: ['src/cli/cli.ts'], outfile: join(dist, 'cli.js'), platform: 'node', external: OPTIONAL, banner: nodeRequire });

await build({ ...common, entryPoints: ['src/index.ts'], outfile: join(dist, 'softmix.min.js'), platform: 'browser', minify: true });

mkdirSync(join(dist, 'harness'), { recursive: true });
await build({ ...common, entryPoints: ['src/browser/harness.ts'], outfile: join(dist, 'harness', 'harness.js'), platform: 'browser', minify: true });
writeFileSync(
  join(dist, 'harness', 'harness.html'),
  readFileSync(join(root, 'app', 'harness.html'), 'utf8').replace('/src/browser/harness.ts', './harness.js'),
);

// Declarations: tsc over the library's entries only (tsconfig.build.json). tsc keeps the
// sources' .ts import paths in .d.ts files (rewriteRelativeImportExtensions covers only JS),
// which a consumer's tsc rejects without allowImportingTsExtensions: point them at .js. The
// entries reference @webgpu/types, a dependency, so GPUDevice and friends resolve anywhere.
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const types = join(dist, 'types');
for (const file of readdirSync(types, { recursive: true }).filter((f) => f.endsWith('.d.ts'))) {
  const path = join(types, file);
  let text = readFileSync(path, 'utf8').replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2');
  if (file === 'index.d.ts' || file === join('node', 'index.d.ts')) text = `/// <reference types="@webgpu/types" />\n${text}`;
  writeFileSync(path, text);
}
copyFileSync(join(root, 'LICENSE'), join(dist, 'LICENSE'));
console.log('softmix: built dist/');
