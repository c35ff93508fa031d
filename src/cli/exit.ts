/**
 * The CLI's one exit-code scheme, and how each kind of failure is printed:
 *   0  success
 *   1  the data or the fit failed: a SoftmixError other than 'options' (file-format, shape,
 *      not-finite, counts, samples, rank-deficient, backend, device-lost, cancelled,
 *      internal), or an unexpected error (printed with its stack: a bug)
 *   2  usage: a bad or missing option (commander's errors and SoftmixError 'options'),
 *      printed as one line and a pointer to the command's --help, not the whole help
 */
import { CommanderError, type Command } from 'commander';
import { SoftmixError } from '../errors.ts';

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const EXIT_CODES_HELP = `
Exit status:
  0  success
  1  the data or the fit failed (unreadable or malformed file, bad shape or counts,
     rank-deficient features, WebGPU/Chromium problem, lost device, …)
  2  usage error: a bad or missing option (the message says which)`;

const helpPointer = (command: string) => `see softmix${command ? ` ${command}` : ''} --help`;

/**
 * Makes commander throw instead of exiting (it would exit 1), print its errors as
 * "softmix: …" lines, and point at the command's --help instead of printing all of it.
 */
export function configureUsageErrors(cmd: Command, name: string): Command {
  return cmd
    .exitOverride()
    .showHelpAfterError(helpPointer(name))
    .configureOutput({ outputError: (text, write) => write(`softmix: ${text.replace(/^error: /, '')}`) })
    .addHelpText('after', EXIT_CODES_HELP);
}

/** Prints `err` the way its class is printed and returns the exit status. */
export function reportError(err: unknown, command: string): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE; // already printed by commander
  if (err instanceof SoftmixError) {
    console.error(`softmix: ${err.message}`);
    if (err.code !== 'options') return EXIT_FAILED;
    console.error(helpPointer(command));
    return EXIT_USAGE;
  }
  console.error('softmix: unexpected error (a bug: please report it with the command line)');
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return EXIT_FAILED;
}
