// Where the system Chromium is, and the flags that give WebGPU on it (DESIGN.md,
// "Browser and headless Chromium"). Shared by the test config, the CLI and the bench.
import { existsSync } from 'node:fs';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium executable: $CHROMIUM_PATH if set, else the first system one found, else null. */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/**
 * Flags for headless Chromium with WebGPU. On a machine without a GPU the adapter is
 * SwiftShader (Vulkan on the CPU): correct and slow. On a real GPU the same flags still
 * work; SOFTMIX_GPU_ADAPTER=default drops the SwiftShader pin to use the hardware.
 */
export function chromiumArgs() {
  const args = [
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--enable-features=Vulkan',
  ];
  if (process.env.SOFTMIX_GPU_ADAPTER !== 'default') args.push('--use-webgpu-adapter=swiftshader');
  return args;
}
