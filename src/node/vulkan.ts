/**
 * Finding a Vulkan for Dawn on Linux. Dawn loads the Vulkan loader (libvulkan.so.1) with
 * dlopen when it creates its instance, and the loader picks the drivers (ICDs) from the
 * system's manifests or from VK_ICD_FILENAMES, read when the instance is created. Where no
 * loader is installed, Debian's chromium package brings one beside the browser together with
 * SwiftShader, a Vulkan driver on the CPU, and its manifest (vk_swiftshader_icd.json).
 *
 * Measured with webgpu 0.6.2 (Dawn) on Debian without libvulkan1:
 *   - LD_LIBRARY_PATH only counts at process start (the dynamic loader reads it once):
 *     set in process.env it changes nothing;
 *   - VK_ICD_FILENAMES set in process.env before Dawn creates its instance is seen;
 *   - loading Chromium's libvulkan.so.1 by its path first, kept resident (RTLD_NODELETE),
 *     makes Dawn's dlopen("libvulkan.so.1") find it by its soname: no restart needed;
 *   - a second create() after setting VK_ICD_FILENAMES gets a new instance that sees it.
 * So one process can turn SwiftShader on for itself (`useSwiftShader`), and a launcher of
 * another process can hand it the variables instead (`dawnEnvironment`).
 */
import { existsSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';

const LOADER = 'libvulkan.so.1';
const SWIFTSHADER_ICD = 'vk_swiftshader_icd.json';
/** Debian's and Ubuntu's chromium package. */
const CHROMIUM_DIR = '/usr/lib/chromium';
/** Linux's value (glibc and musl); Node's os.constants.dlopen leaves it out. */
const RTLD_NODELETE = 0x1000;

export interface SwiftShaderInstall {
  /** the folder holding the manifest, SwiftShader and (usually) a Vulkan loader */
  dir: string;
  /** its vk_swiftshader_icd.json */
  icd: string;
  /** its libvulkan.so.1, when there is one */
  loader: string | null;
}

/**
 * Chromium's SwiftShader: beside $CHROMIUM_PATH (the browser the CLI and the tests use), else in
 * /usr/lib/chromium; null when neither has the manifest, and off Linux.
 */
export function findSwiftShader(env: NodeJS.ProcessEnv = process.env): SwiftShaderInstall | null {
  if (process.platform !== 'linux') return null;
  const dirs: string[] = [];
  if (env.CHROMIUM_PATH) {
    try {
      dirs.push(dirname(realpathSync(env.CHROMIUM_PATH)));
    } catch {
      // a CHROMIUM_PATH that does not exist: the Chromium path reports it; here, look on
    }
  }
  dirs.push(CHROMIUM_DIR);
  for (const dir of dirs) {
    const icd = join(dir, SWIFTSHADER_ICD);
    if (existsSync(icd)) return { dir, icd, loader: existsSync(join(dir, LOADER)) ? join(dir, LOADER) : null };
  }
  return null;
}

let systemLoader: boolean | undefined;

/**
 * Whether the dynamic loader finds libvulkan.so.1 by name (the system's package, or
 * LD_LIBRARY_PATH as this process was started with). Asked once and remembered, so that
 * a loader preloaded later (useSwiftShader) does not count as the system's. The probe is
 * the dynamic loader's own search: process.dlopen loads the library, then refuses it as
 * "did not self-register" (it is not a Node addon) and unloads it; a missing library fails
 * earlier, with "cannot open shared object file".
 */
export function systemVulkanLoader(): boolean {
  if (systemLoader === undefined) {
    systemLoader = process.platform === 'linux' && dlopenFinds(LOADER);
  }
  return systemLoader;
}

function dlopenFinds(file: string, flags: number = constants.dlopen.RTLD_LAZY): boolean {
  try {
    process.dlopen({ exports: {} }, file, flags);
    return true; // unreachable for a plain library, but it did load
  } catch (e) {
    return /self-register/.test(e instanceof Error ? e.message : String(e));
  }
}

/** The user chose the Vulkan drivers (both names of the loader's variable). */
export function driversChosen(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES);
}

/**
 * The variables a child Node process needs for Dawn to find a Vulkan at start: on Linux with
 * no system Vulkan loader and a Chromium SwiftShader, LD_LIBRARY_PATH (Chromium's folder
 * first) and VK_ICD_FILENAMES (unless the drivers were chosen already); else {}. Merge it into
 * the child's env. (In this process, `useSwiftShader` does the same without a restart.)
 */
export function dawnEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const swiftShader = findSwiftShader(env);
  if (!swiftShader || systemVulkanLoader()) return {};
  const out: Record<string, string> = {};
  if (swiftShader.loader) out.LD_LIBRARY_PATH = [swiftShader.dir, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  if (!driversChosen(env)) out.VK_ICD_FILENAMES = swiftShader.icd;
  return out;
}

/**
 * Makes this process's next Dawn instance use `install`: loads its Vulkan loader for good
 * when the system has none (Dawn's dlopen then finds it by soname), and points
 * VK_ICD_FILENAMES at SwiftShader unless the drivers were chosen. Both are process-wide (a
 * resident library, an environment variable), which is why dawnGpu() only does this where
 * no Vulkan driver answered or none can be loaded. Returns whether a loader is now there.
 */
export function useSwiftShader(install: SwiftShaderInstall): boolean {
  let loader = systemVulkanLoader();
  if (!loader && install.loader) {
    loader = dlopenFinds(install.loader, constants.dlopen.RTLD_NOW | RTLD_NODELETE) && dlopenFinds(LOADER);
  }
  if (!driversChosen()) process.env.VK_ICD_FILENAMES = install.icd;
  return loader;
}
