/**
 * The CLI's files, checked before any work: where output goes (so that a fit of many
 * minutes does not end in a stack trace because --out was a directory) and the JSON files
 * it reads (--truth). Every problem is a SoftmixError whose message names the flag.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SoftmixError } from '../errors.ts';
import type { TruthJson } from '../model/truth.ts';

const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Creates the missing directories of `dir` one level at a time. Not `mkdirSync(…,
 * { recursive: true })`: in Node 20 that loops forever under /proc (mkdir there fails with
 * ENOENT, which the recursive walk takes for a missing parent), and a file in the way must
 * be named, not reported as ENOTDIR.
 */
function makeDirectories(flag: string, dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) {
    throw new SoftmixError('options', `${flag} ${dir}: ${at} is a file, not a directory`);
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      throw new SoftmixError('options', `${flag}: cannot create the directory ${d} (${reason(err)})`);
    }
  }
}

/** Opens `file` for writing without changing it (a new file is created and removed again). */
function probeWritable(flag: string, file: string): void {
  const existed = existsSync(file);
  try {
    closeSync(openSync(file, existed ? 'r+' : 'wx'));
    if (!existed) unlinkSync(file);
  } catch (err) {
    throw new SoftmixError('options', `${flag}: cannot write ${file} (${reason(err)})`);
  }
}

/**
 * An output file (fit --out): not a directory, its directory created if missing, and
 * writable. Creates those directories now, so that the write after the fit cannot fail.
 */
export function prepareOutputFile(flag: string, path: string): string {
  const file = resolve(path);
  if (path.endsWith('/') || (existsSync(file) && statSync(file).isDirectory())) {
    throw new SoftmixError('options', `${flag} ${path} is a directory: give the path of a file, e.g. ${join(path, 'fit.json')}`);
  }
  makeDirectories(flag, dirname(file));
  probeWritable(flag, file);
  return file;
}

/** An output directory (simulate --out, demo --out): created if missing, and writable. */
export function prepareOutputDirectory(flag: string, path: string, probeName: string): string {
  const dir = resolve(path);
  makeDirectories(flag, dir);
  if (!statSync(dir).isDirectory()) throw new SoftmixError('options', `${flag} ${path} is a file, not a directory`);
  probeWritable(flag, join(dir, probeName));
  return dir;
}

/** A JSON file the user names (--truth, --init): read and parsed, or a message saying why not. */
export function readJsonFile(flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SoftmixError('file-format', `${flag} ${path}: cannot read it (${reason(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SoftmixError('file-format', `${flag} ${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** --truth: { alpha: K numbers, theta: K rows } as `softmix simulate` writes it. */
export function readTruthFile(path: string): TruthJson {
  const t = readJsonFile('--truth', path) as Partial<TruthJson> | null;
  const rows = t?.theta;
  if (!Array.isArray(t?.alpha) || !Array.isArray(rows) || rows.length !== t.alpha.length || !rows.every(Array.isArray)) {
    throw new SoftmixError('file-format', `--truth ${path}: expected { "alpha": [K numbers], "theta": [K rows of L numbers] } as softmix simulate writes it`);
  }
  return { alpha: t.alpha, theta: rows };
}
