import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
// @ts-expect-error plain ESM helper shared with the CLI and bench
import { findChromium, chromiumArgs } from './scripts/chromium.mjs';

/** test/browser files the dawn project leaves out, and why. */
const DAWN_SKIPS: string[] = [
  // Whole fits, 9 of them: all pass through Dawn (measured), but every fit's new device
  // compiles the kernels again (~5 s on SwiftShader), 2 min in all, on top of the same file's
  // 1.5 min in Chromium. test/dawn/fit-dawn.test.ts fits their first case through Dawn instead.
  'test/browser/fit-webgpu.test.ts',
];

// Browser tests on SwiftShader are slow: give them room, and run one file at a time.
export default defineConfig({
  server: { host: '127.0.0.1' },
  test: {
    // The json report feeds .ci/run's closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.vitest-reports/results.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'test/dawn/**'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        // The WebGPU kernel tests again, in Node through Dawn (the `webgpu` package; SwiftShader
        // here, found by src/node/vulkan.ts in-process, so no environment is needed), and the
        // Node–Dawn fits and CLI path of test/dawn/.
        extends: true,
        test: {
          name: 'dawn',
          include: ['test/browser/*.test.ts', 'test/dawn/**/*.test.ts'],
          exclude: DAWN_SKIPS,
          environment: 'node',
          setupFiles: ['test/dawn/setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: findChromium() ?? '/usr/bin/chromium',
                args: chromiumArgs(),
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
