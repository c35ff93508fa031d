/**
 * Lets the event loop run between M-steps (timers, an AbortSignal.timeout, a page's Cancel
 * message). The cpu engine's passes are plain loops that never wait on anything, so without
 * this a cpu fit would hold its thread to the end and no cancellation could reach it; on
 * WebGPU the passes wait on mapAsync anyway and this costs one more macrotask per M-step.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  // Browsers: a MessageChannel message is a macrotask without setTimeout's 4 ms clamp.
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
