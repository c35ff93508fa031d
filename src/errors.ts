/**
 * The one error type softmix throws for bad input or a fit that cannot go on.
 * `code` is stable for programs; `message` names the problem for people.
 */
export type SoftmixErrorCode =
  | 'shape'
  | 'not-finite'
  | 'counts'
  | 'samples'
  | 'options'
  | 'rank-deficient'
  | 'file-format'
  | 'backend'
  | 'device-lost'
  | 'cancelled'
  | 'internal';

export class SoftmixError extends Error {
  readonly code: SoftmixErrorCode;
  constructor(code: SoftmixErrorCode, message: string) {
    super(message);
    this.name = 'SoftmixError';
    this.code = code;
  }
}

export function fail(code: SoftmixErrorCode, message: string): never {
  throw new SoftmixError(code, message);
}
