/**
 * The CLI's one exit-code scheme, and how each kind of failure is printed:
 *   0  success
 *   1  the data or the fit failed: a SoftmixError other than 'options' (file-format, shape,
 *      not-finite, counts, samples, rank-deficient, backend, device-lost, cancelled,
 *      internal), or an unexpected error (printed with its stack: a bug)
 *   2  usage: an unknown, missing or bad option, or an output path that cannot be written
 *      (commander's errors and SoftmixError 'options'), printed as one line that ends
 *      in a pointer to the command's --help, not the whole help
 * `--help` and `--version` exit 0. Documented for users in src/cli/README.md and README.md.
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
  2  usage error: an unknown, missing or bad option, or an output path that
     cannot be written (one line on stderr says which)`;

const helpPointer = (command: string) => `see softmix${command ? ` ${command}` : ''} --help`;

/** Commander's messages can run to two lines ("unknown option …\n(Did you mean …?)"): one line for a log or a script. */
const oneLine = (text: string) => text.trim().split(/\s*\n\s*/).join(' ');

/** A usage error as it is printed: one "softmix: …" line ending in the --help pointer. */
export const usageLine = (message: string, command: string) => `softmix: ${oneLine(message)} (${helpPointer(command)})\n`;

/**
 * Makes commander throw instead of exiting (it would exit 1), and print its errors as one
 * "softmix: … (see softmix <cmd> --help)" line instead of the whole help.
 */
export function configureUsageErrors(cmd: Command, name: string): Command {
  return cmd
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(usageLine(text.replace(/^error: /, ''), name)) })
    .addHelpText('after', EXIT_CODES_HELP);
}

/** Prints `err` the way its class is printed and returns the exit status. */
export function reportError(err: unknown, command: string): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE; // already printed by commander
  if (err instanceof SoftmixError) {
    if (err.code !== 'options') {
      console.error(`softmix: ${err.message}`);
      return EXIT_FAILED;
    }
    process.stderr.write(usageLine(err.message, command));
    return EXIT_USAGE;
  }
  console.error('softmix: unexpected error (a bug: please report it with the command line)');
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return EXIT_FAILED;
}
