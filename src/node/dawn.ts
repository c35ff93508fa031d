/**
 * WebGPU in Node through Dawn: the `webgpu` npm package (Dawn's Node bindings, prebuilt),
 * an optional install. `dawnGpu()` returns a GPU with an adapter behind it, for the `gpu`
 * option of fitSoftmaxMixture and the engines; nothing global is installed (the engine needs
 * no GPUBufferUsage-style globals: src/engines/webgpu/flags.ts).
 *
 * Which device: Dawn asks the platform's API (Vulkan on Linux, Metal on macOS, D3D12 on
 * Windows) and takes the high-performance adapter. On Linux a GPU needs the system Vulkan
 * loader (libvulkan1) and the GPU's Vulkan driver; VK_ICD_FILENAMES chooses among drivers.
 * Where no driver answers, or no loader is installed, dawnGpu falls back to the SwiftShader
 * that Debian's chromium package installs (vulkan.ts), as the Chromium path does on such
 * machines; `swiftShader: false` turns that off.
 */
import { SoftmixError } from '../errors.ts';
import { driversChosen, findSwiftShader, systemVulkanLoader, useSwiftShader } from './vulkan.ts';

export { dawnEnvironment } from './vulkan.ts';

export interface DawnOptions {
  /**
   * Dawn's own options, passed to the package's create(): e.g. 'backend=vulkan',
   * 'adapter=NAME' (a wrong name makes Dawn list the adapters), 'enable-dawn-features=…'.
   */
  flags?: string[];
  /** fall back to Chromium's SwiftShader (Vulkan on the CPU) where no Vulkan driver answers (default true; Linux) */
  swiftShader?: boolean;
}

interface DawnModule {
  create(flags: string[]): GPU;
}

const INSTALL_HINT = 'npm install webgpu to enable WebGPU in Node (Dawn\'s prebuilt bindings), or use the cpu backend';

/** The `webgpu` package, or a 'backend' error saying how to get it. */
async function loadDawn(): Promise<DawnModule> {
  let mod: DawnModule;
  try {
    mod = await import('webgpu');
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module) 'webgpu'|Failed to load url webgpu/.test(text)) {
      throw new SoftmixError('backend', `WebGPU in Node needs the optional package "webgpu", which is not installed: ${INSTALL_HINT}`);
    }
    // e.g. no prebuilt binary for this platform, or a C++ runtime too old for it
    throw new SoftmixError('backend', `the "webgpu" package is installed but Dawn did not load on ${process.platform}-${process.arch} (${text.split('\n')[0]}); use the cpu backend, or WebGPU in a browser`);
  }
  if (typeof mod?.create !== 'function') throw new SoftmixError('backend', 'the installed "webgpu" package has no create(): install the version softmix was tested with (npm install webgpu@0.6)');
  return mod;
}

async function hasAdapter(gpu: GPU): Promise<boolean> {
  try {
    return (await gpu.requestAdapter({ powerPreference: 'high-performance' })) !== null;
  } catch {
    return false;
  }
}

/**
 * A GPU from Dawn that has an adapter. Fails with SoftmixError('backend') when the package is
 * missing or no adapter comes back, saying what to install or set.
 */
export async function dawnGpu(options: DawnOptions = {}): Promise<GPU> {
  const flags = options.flags ?? [];
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== 'string')) {
    throw new SoftmixError('options', `dawnGpu: flags must be an array of strings such as "backend=vulkan", got ${JSON.stringify(flags)}`);
  }
  const dawn = await loadDawn();
  const swiftShader = options.swiftShader === false ? null : findSwiftShader();
  // With no loader at all Dawn would only print "Couldn't load Vulkan": go to the fallback.
  if (systemVulkanLoader() || !swiftShader?.loader) {
    const gpu = dawn.create(flags);
    if (await hasAdapter(gpu)) return gpu;
  }
  // A new instance reads VK_ICD_FILENAMES again, so the retry sees SwiftShader.
  if (swiftShader && useSwiftShader(swiftShader)) {
    const gpu = dawn.create(flags);
    if (await hasAdapter(gpu)) return gpu;
  }
  throw new SoftmixError('backend', noAdapterMessage(options));
}

function noAdapterMessage(options: DawnOptions): string {
  const head = 'Dawn (the "webgpu" package) found no WebGPU adapter';
  if (process.platform !== 'linux') return `${head} on ${process.platform}: check the GPU driver, or use the cpu backend`;
  const chosen = driversChosen() ? ` (VK_ICD_FILENAMES/VK_DRIVER_FILES = ${process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES})` : '';
  const loader = systemVulkanLoader() ? `the Vulkan loader answered with no usable driver${chosen}` : 'no Vulkan loader (libvulkan.so.1) is installed';
  const fallback = options.swiftShader === false ? ' (the SwiftShader fallback was turned off)' : findSwiftShader() ? '' : ' and there is no Chromium SwiftShader to fall back to';
  return `${head}: ${loader}${fallback}. For a GPU install the system Vulkan loader (Debian: apt-get install libvulkan1) and the GPU's Vulkan driver (mesa-vulkan-drivers, or the vendor's); VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/NAME.json picks one. For Vulkan on the CPU start node with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium (Debian's chromium package). Or use the cpu backend.`;
}
