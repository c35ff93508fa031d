/**
 * Lets the event loop run between M-steps (timers, an AbortSignal.timeout, a page's Cancel
 * message). The cpu engine's passes are plain loops that never wait on anything, so without
 * this a cpu fit would hold its thread to the end and no cancellation could reach it; on
 * WebGPU the passes wait on mapAsync anyway and this costs one more macrotask per M-step.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  // Browsers: a MessageChannel message is a macrotask without setTimeout's 4 ms clamp; one
  // channel serves every yield, its messages answered in order.
  channel ??= openChannel();
  return new Promise((resolve) => {
    channel!.waiting.push(resolve);
    channel!.port.postMessage(null);
  });
}

let channel: { port: MessagePort; waiting: (() => void)[] } | undefined;

function openChannel(): { port: MessagePort; waiting: (() => void)[] } {
  const { port1, port2 } = new MessageChannel();
  const waiting: (() => void)[] = [];
  port1.onmessage = () => waiting.shift()?.();
  return { port: port2, waiting };
}
