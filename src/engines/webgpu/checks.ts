/**
 * The WebGPU engine's checks of its float64 inputs: everything it writes to the device
 * must be a finite float32 (a finite double beyond ±3.4e38 would become ±Infinity there).
 */
import { SoftmixError } from '../../errors.ts';

/** Every value a finite float32, else a SoftmixError naming the first that is not. */
export function checkFinite(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(Math.fround(values[i]))) throw new SoftmixError('not-finite', `${what}[${i}] = ${values[i]} is not a finite float32`);
  }
}

/** K a positive integer and Θ K × L finite float32 values. */
export function checkTheta(theta: Float64Array, K: number, L: number): void {
  if (!Number.isInteger(K) || K < 1) throw new SoftmixError('options', `K must be a positive integer, got ${K}`);
  if (theta.length !== K * L) throw new SoftmixError('shape', `theta must hold K·L = ${K * L} values, got ${theta.length}`);
  checkFinite('theta', theta);
}
