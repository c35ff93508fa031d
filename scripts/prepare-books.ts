#!/usr/bin/env -S npx tsx
/**
 * Builds the compact "books" data set in data/books/ from the raw files described in
 * ../shared/data/real/SOURCES.md (GloVe 6B 50-d vectors for the 10,000 most frequent words, and six
 * public-domain Project Gutenberg books). The raw files stay outside the project; only the derived
 * vectors and word counts are committed.
 *
 *   npx tsx scripts/prepare-books.ts [--raw /work/shared/data/real] [--out data/books]
 *
 * --raw defaults to ../shared/data/real relative to the repository root, --out to data/books.
 *
 * Output (all deterministic: the same input bytes give the same output bytes):
 *   words.txt           the p vocabulary words, one per line, in GloVe's frequency order
 *   features.npy        float32 (p, 50), C order: row j = GloVe vector of word j
 *   counts-train.npy    int32 (6, p): row b = book b, column j = occurrences of word j in the
 *                       even 1000-token blocks of book b
 *   counts-heldout.npy  int32 (6, p): the same for the odd blocks
 *   books.json          book order and metadata, token counts per half, the exact rules
 *   NOTICE.md           sources, licences, how to regenerate, checksums
 *
 * The input files are checked against the SHA-256 sums in SOURCES.md, and the books' token counts
 * against the counts in its "Word coverage" table, so a changed input or a drifted rule stops the
 * script instead of silently producing a different data set.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';
import { writeNpy } from '../src/io/npy-write.ts';

// ---------------------------------------------------------------------------------------------
// Inputs, as listed in SOURCES.md.

const GLOVE = {
  file: 'glove.6B.50d.10k.zip',
  member: 'glove.6B.50d.10k.txt',
  sha256: 'c62383cf10a8411476c6610a4312b1bfed21ce5a6d98b1899e390dd346ba7056',
  repository: 'noallynoclan/data',
  path: 'glove.6B.50d.10k.zip',
  commit: '11f7bdf74c8d5be80d4c09a14761274f2ced6f78',
  blob: 'bb72eb788c2db7d24675b2c4dbcab9de5f7e7a48',
  rows: 10_000,
  dim: 50,
};

interface BookSource {
  id: string;
  gutenberg: number;
  title: string;
  author: string;
  subject: string;
  file: string;
  sha256: string;
  repository: string;
  path: string;
  commit: string;
  blob: string;
  /** Token count in the book text, from SOURCES.md's "Word coverage" table. */
  expectedTokens: number;
}

/** Book order = row order of the count matrices = order of SOURCES.md's file table. */
const BOOKS: BookSource[] = [
  {
    id: 'austen',
    gutenberg: 1342,
    title: 'Pride and Prejudice',
    author: 'Jane Austen',
    subject: 'novel of manners',
    file: 'pg1342.txt',
    sha256: '4d32e44d62c944d85f2634c4654d10ab097051eca75c77673a061c923bc5406b',
    repository: 'RU-ECE/ECE451-Parallel',
    path: 'data/pg1342.txt',
    commit: 'c58dca3a6abedd8041057571c247e9a393cc3b4d',
    blob: 'fee24e2e3ba4ffec49feb3a7f40596c24abcc1d1',
    expectedTokens: 128_563,
  },
  {
    id: 'melville',
    gutenberg: 2701,
    title: 'Moby Dick; or The Whale',
    author: 'Herman Melville',
    subject: 'sea and whaling novel',
    file: '2701-0.txt',
    sha256: 'baf9b04fcf6e0008f30eaaa6697277751448c1070b20175e0082f28cbb161fd3',
    repository: 'RU-ECE/ECE451-Parallel',
    path: 'data/books/2701-0.txt',
    commit: 'c58dca3a6abedd8041057571c247e9a393cc3b4d',
    blob: 'f50127206f5b53eb48eceb1f75974656a8521199',
    expectedTokens: 219_072,
  },
  {
    id: 'ball',
    gutenberg: 2298,
    title: 'Great Astronomers',
    author: 'Robert S. Ball',
    subject: 'history of astronomy',
    file: 'pg2298.txt',
    sha256: '2adc59d2824e95b4a240a120c8b21bcb5df04e9ccfe3cd56a2e1db0a533e2baa',
    repository: 'RU-ECE/ECE451-Parallel',
    path: 'data/books/pg2298.txt',
    commit: 'c58dca3a6abedd8041057571c247e9a393cc3b4d',
    blob: '423e2d799ad6145a4fcea43c0f9c2b4eacf48517',
    expectedTokens: 91_716,
  },
  {
    id: 'darwin',
    gutenberg: 2009,
    title: 'On the Origin of Species (6th edition)',
    author: 'Charles Darwin',
    subject: 'natural history and biology',
    file: 'pg2009.txt',
    sha256: '4bdae4b4fd70ba37faf58c4f28154851adc0869bf6ccacafc3d7e0f2f11a8081',
    repository: 'pamarcos/triplet_challenge',
    path: 'pg2009.txt',
    commit: '61576bdf39334034f61684e4c19de68df129ae25',
    blob: '7041fe56b4ff30c108cdc2d79c29b2c516ff27ae',
    expectedTokens: 208_960,
  },
  {
    id: 'smith',
    gutenberg: 3300,
    title: 'An Inquiry into the Nature and Causes of the Wealth of Nations',
    author: 'Adam Smith',
    subject: 'political economy',
    file: 'pg3300.txt',
    sha256: '6af95d8f7d43485f4b0a1fc81fbd3ee531a293520f480541e39d8e38f9a24c66',
    repository: 'Playron/tdt4117_Assignment3',
    path: 'pg3300.txt',
    commit: 'd481f079d0fa2c0bfcfd304bd31da321bb064cce',
    blob: '8cb195a9a3127aae65df0bcd6cdfbbe9aa8e1074',
    expectedTokens: 379_636,
  },
  {
    id: 'beeton',
    gutenberg: 50191,
    title: "Mrs. Beeton's Dictionary of Every-Day Cookery",
    author: 'Isabella Beeton',
    subject: 'recipes and cookery',
    file: 'pg50191.txt',
    sha256: '73b117f99a86bae3d4165cc14a85b507a75c806a42dc972389920fec39cf7285',
    repository: 'denisgaudare/tempopython',
    path: 'data/pg50191.txt',
    commit: 'db60f81c43e2c60bd645e1a25f3e1cecccde253a',
    blob: '9f7b5bb007df3a9a4293df578d96adbf744e01f0',
    expectedTokens: 263_286,
  },
];

const MIN_COUNT = 5;
const BLOCK = 1000;
const WORD_RE = /^[a-z]+$/;
const TOKEN_RE = /[a-z]+/g;

/** The rules, written into books.json word for word. */
const RULES = {
  bookText:
    'The lines strictly between the first line that starts (after leading whitespace) with "*** START OF" ' +
    'and the first later line that starts (after leading whitespace) with "*** END OF"; the file is decoded as UTF-8 ' +
    'and split into lines at \\r\\n, \\n or \\r.',
  tokens: 'The book text, lower-cased (JavaScript String.prototype.toLowerCase), then every match of the regex /[a-z]+/g, in order.',
  vocabulary:
    `The words of ${GLOVE.member} (the first ${GLOVE.rows} lines of GloVe 6B 50d) that match /^[a-z]+$/ and occur ` +
    `at least ${MIN_COUNT} times in the token streams of the six books combined; in GloVe's order (line order, i.e. frequency order).`,
  features:
    'Row j = the 50 numbers on word j\'s GloVe line, each decimal string rounded once, correctly (round to nearest, ties to even), to float32.',
  split:
    `Each book's token stream (all tokens, including those not in the vocabulary) is cut into consecutive blocks of ${BLOCK} tokens ` +
    `(token i is in block floor(i / ${BLOCK}); the last block may be shorter). Even blocks (0, 2, 4, ...) go to the training half, ` +
    'odd blocks to the held-out half. counts-train[b, j] / counts-heldout[b, j] = occurrences of word j in book b\'s training / held-out blocks.',
};

// ---------------------------------------------------------------------------------------------
// Small helpers.

function fail(message: string): never {
  console.error(`prepare-books: ${message}`);
  process.exit(1);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function readChecked(dir: string, file: string, expected: string): Uint8Array {
  const path = resolve(dir, file);
  if (!existsSync(path)) fail(`missing input ${path} (use --raw DIR to point at the raw data directory)`);
  const bytes = new Uint8Array(readFileSync(path));
  const got = sha256(bytes);
  if (got !== expected) fail(`${path}: SHA-256 ${got} differs from ${expected} given in SOURCES.md`);
  return bytes;
}

/** Extracts one member of a zip archive (stored or deflated, no zip64), checking size and CRC-32. */
function unzipMember(zip: Uint8Array, member: string): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory record: signature 0x06054b50, within the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('zip: no end-of-central-directory record');
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  for (let e = 0; e < entries; e++) {
    if (view.getUint32(p, true) !== 0x02014b50) fail('zip: bad central directory entry');
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const csize = view.getUint32(p + 20, true);
    const usize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (name !== member) continue;
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff) fail('zip: zip64 is not supported');
    if (view.getUint32(local, true) !== 0x04034b50) fail('zip: bad local file header');
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = zip.subarray(start, start + csize);
    let out: Uint8Array;
    if (method === 0) out = raw;
    else if (method === 8) out = new Uint8Array(inflateRawSync(raw));
    else fail(`zip: compression method ${method} is not supported`);
    if (out.length !== usize) fail(`zip: ${member} inflated to ${out.length} bytes, expected ${usize}`);
    if (crc32(out) >>> 0 !== crc) fail(`zip: ${member} fails its CRC-32 check`);
    return out;
  }
  fail(`zip: no member named ${member}`);
}

// Correctly rounded decimal → float32. Math.fround(Number(s)) rounds twice (decimal → float64 →
// float32), which differs from a single rounding only when the float64 lands exactly on a point
// halfway between two float32 values while the decimal itself is not exactly there: any float32
// midpoint strictly between the decimal and its float64 would itself be a float64 (25 significant
// bits), nearer than the chosen one. So: take the fast path, and settle exact midpoints with BigInt.
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
let midpointsResolved = 0;

/** |x| = m · 2^e exactly, for a finite nonzero double. */
function dyadic(x: number): { m: bigint; e: number } {
  f64[0] = Math.abs(x);
  const bits = u64[0];
  const be = Number(bits >> 52n);
  const frac = bits & ((1n << 52n) - 1n);
  return be === 0 ? { m: frac, e: -1074 } : { m: frac | (1n << 52n), e: be - 1075 };
}

/** Sign of (|decimal s| − |x|), exactly; s already known to parse to a finite number. */
function compareDecimal(s: string, x: number): number {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) fail(`not a decimal number: '${s}'`);
  const intPart = m[1] ?? '';
  const fracPart = m[2] ?? '';
  const d = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  const e10 = Number(m[3] ?? '0') - fracPart.length;
  const { m: bm, e: e2 } = dyadic(x);
  // Compare d·10^e10 with bm·2^e2, scaled to integers.
  let left = d;
  let right = bm;
  if (e10 >= 0) left *= 10n ** BigInt(e10);
  else right *= 10n ** BigInt(-e10);
  if (e2 >= 0) right *= 1n << BigInt(e2);
  else left *= 1n << BigInt(-e2);
  return left > right ? 1 : left < right ? -1 : 0;
}

function nextFloat32AwayFromZero(f: number): number {
  f32[0] = f;
  u32[0] += 1;
  return f32[0];
}
function nextFloat32TowardZero(f: number): number {
  f32[0] = f;
  u32[0] -= 1;
  return f32[0];
}

function parseFloat32(s: string): number {
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x)) fail(`not a finite number: '${s}'`);
  const f = Math.fround(x);
  if (f === x || x === 0 || f === 0 || !Number.isFinite(f)) return f;
  // The other float32 neighbour of x (f was rounded either up or down in magnitude).
  const g = Math.abs(f) > Math.abs(x) ? nextFloat32TowardZero(f) : nextFloat32AwayFromZero(f);
  if ((f + g) / 2 !== x) return f; // x is not a float32 midpoint: a single rounding agrees.
  midpointsResolved++;
  const c = compareDecimal(s, x);
  if (c === 0) return f; // a true tie: fround already chose the even one
  const larger = Math.abs(f) > Math.abs(g) ? f : g;
  const smaller = larger === f ? g : f;
  return c > 0 ? larger : smaller;
}

// ---------------------------------------------------------------------------------------------

function bookTokens(bytes: Uint8Array, file: string): string[] {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const lines = text.split(/\r\n|\n|\r/);
  const start = lines.findIndex((l) => l.trimStart().startsWith('*** START OF'));
  if (start < 0) fail(`${file}: no "*** START OF" line`);
  let end = -1;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i].trimStart().startsWith('*** END OF')) {
      end = i;
      break;
    }
  }
  if (end < 0) fail(`${file}: no "*** END OF" line after the START line`);
  const body = lines.slice(start + 1, end).join('\n').toLowerCase();
  return body.match(TOKEN_RE) ?? [];
}

function parseArgs(argv: string[], root: string): { raw: string; out: string } {
  let raw = resolve(root, '..', 'shared', 'data', 'real');
  let out = resolve(root, 'data', 'books');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--raw') raw = resolve(value());
    else if (a.startsWith('--raw=')) raw = resolve(a.slice(6));
    else if (a === '--out') out = resolve(value());
    else if (a.startsWith('--out=')) out = resolve(a.slice(6));
    else if (a === '-h' || a === '--help') {
      console.log('usage: npx tsx scripts/prepare-books.ts [--raw DIR] [--out DIR]');
      process.exit(0);
    } else fail(`unknown argument ${a}`);
  }
  return { raw, out };
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { raw, out } = parseArgs(process.argv.slice(2), root);

  // GloVe: all 10,000 lines, then keep the alphabetic words.
  const zip = readChecked(raw, GLOVE.file, GLOVE.sha256);
  const gloveText = new TextDecoder('utf-8', { fatal: true }).decode(unzipMember(zip, GLOVE.member));
  const gloveLines = gloveText.split('\n');
  if (gloveLines[gloveLines.length - 1] === '') gloveLines.pop();
  if (gloveLines.length !== GLOVE.rows) fail(`${GLOVE.member}: ${gloveLines.length} lines, expected ${GLOVE.rows}`);
  const alphaWords: string[] = [];
  const alphaFields: string[][] = [];
  const seen = new Set<string>();
  for (const [k, line] of gloveLines.entries()) {
    const fields = line.split(' ');
    if (fields.length !== GLOVE.dim + 1) fail(`${GLOVE.member} line ${k + 1}: ${fields.length - 1} numbers, expected ${GLOVE.dim}`);
    const word = fields[0];
    if (seen.has(word)) fail(`${GLOVE.member} line ${k + 1}: duplicate word '${word}'`);
    seen.add(word);
    if (!WORD_RE.test(word)) continue;
    alphaWords.push(word);
    alphaFields.push(fields.slice(1));
  }
  const alphaIndex = new Map(alphaWords.map((w, j) => [w, j] as const));

  // Books: token streams, and per-book per-half counts over all alphabetic GloVe words.
  const nAlpha = alphaWords.length;
  const nb = BOOKS.length;
  const trainAll = new Int32Array(nb * nAlpha);
  const heldAll = new Int32Array(nb * nAlpha);
  const tokenStats = BOOKS.map((book, b) => {
    const tokens = bookTokens(readChecked(raw, book.file, book.sha256), book.file);
    if (tokens.length !== book.expectedTokens) {
      fail(`${book.file}: ${tokens.length} tokens, but SOURCES.md counts ${book.expectedTokens}: the token rule has drifted`);
    }
    let train = 0;
    let held = 0;
    for (let i = 0; i < tokens.length; i++) {
      const isTrain = Math.floor(i / BLOCK) % 2 === 0;
      if (isTrain) train++;
      else held++;
      const j = alphaIndex.get(tokens[i]);
      if (j === undefined) continue;
      (isTrain ? trainAll : heldAll)[b * nAlpha + j]++;
    }
    const blocks = Math.ceil(tokens.length / BLOCK);
    return { total: tokens.length, train, held, blocksTrain: Math.ceil(blocks / 2), blocksHeld: Math.floor(blocks / 2) };
  });

  // Vocabulary: alphabetic GloVe words with at least MIN_COUNT occurrences over all books and halves.
  const keep: number[] = [];
  for (let j = 0; j < nAlpha; j++) {
    let total = 0;
    for (let b = 0; b < nb; b++) total += trainAll[b * nAlpha + j] + heldAll[b * nAlpha + j];
    if (total >= MIN_COUNT) keep.push(j);
  }
  const p = keep.length;
  const dim = GLOVE.dim;
  const words = keep.map((j) => alphaWords[j]);
  const features = new Float32Array(p * dim);
  const countsTrain = new Int32Array(nb * p);
  const countsHeld = new Int32Array(nb * p);
  for (const [jj, j] of keep.entries()) {
    const fields = alphaFields[j];
    for (let d = 0; d < dim; d++) features[jj * dim + d] = parseFloat32(fields[d]);
    for (let b = 0; b < nb; b++) {
      countsTrain[b * p + jj] = trainAll[b * nAlpha + j];
      countsHeld[b * p + jj] = heldAll[b * nAlpha + j];
    }
  }
  const rowSum = (a: Int32Array, b: number): number => {
    let s = 0;
    for (let j = 0; j < p; j++) s += a[b * p + j];
    return s;
  };

  const files = {
    words: 'words.txt',
    features: 'features.npy',
    countsTrain: 'counts-train.npy',
    countsHeldout: 'counts-heldout.npy',
  };
  const outputs = new Map<string, Uint8Array>();
  outputs.set(files.words, new TextEncoder().encode(words.join('\n') + '\n'));
  outputs.set(files.features, writeNpy(features, [p, dim], 'float32'));
  outputs.set(files.countsTrain, writeNpy(countsTrain, [nb, p], 'int32'));
  outputs.set(files.countsHeldout, writeNpy(countsHeld, [nb, p], 'int32'));

  const books = BOOKS.map((book, b) => {
    const s = tokenStats[b];
    const vTrain = rowSum(countsTrain, b);
    const vHeld = rowSum(countsHeld, b);
    return {
      row: b,
      id: book.id,
      title: book.title,
      author: book.author,
      subject: book.subject,
      gutenberg: book.gutenberg,
      file: book.file,
      sha256: book.sha256,
      tokens: { total: s.total, train: s.train, heldout: s.held },
      blocks: { train: s.blocksTrain, heldout: s.blocksHeld },
      vocabularyTokens: { total: vTrain + vHeld, train: vTrain, heldout: vHeld },
    };
  });
  const meta = {
    name: 'softmix books data set',
    description:
      'Six public-domain books as six groups over a vocabulary of GloVe words: per-book word counts, split into a training ' +
      'and a held-out half, and the words\' 50-d GloVe vectors as item features.',
    generator: 'scripts/prepare-books.ts',
    p,
    dim,
    books: nb,
    minCount: MIN_COUNT,
    blockTokens: BLOCK,
    files: {
      ...files,
      shapes: { words: [p], features: [p, dim], countsTrain: [nb, p], countsHeldout: [nb, p] },
      dtypes: { features: 'float32', countsTrain: 'int32', countsHeldout: 'int32' },
    },
    rules: RULES,
    glove: {
      file: GLOVE.file,
      member: GLOVE.member,
      sha256: GLOVE.sha256,
      linesRead: GLOVE.rows,
      alphabeticWords: nAlpha,
      licence: 'ODC Public Domain Dedication and License (PDDL) v1.0',
    },
    bookOrder: books,
  };
  outputs.set('books.json', new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n'));

  const checksums = [...outputs].map(([name, bytes]) => ({ name, size: bytes.length, sha256: sha256(bytes) }));
  outputs.set('NOTICE.md', new TextEncoder().encode(notice(p, nAlpha, checksums)));

  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of outputs) writeFileSync(resolve(out, name), bytes);

  const rel = relative(process.cwd(), out) || '.';
  console.log(`prepare-books: p = ${p} words (of ${nAlpha} alphabetic GloVe words), dim = ${dim}, ${nb} books -> ${rel}/`);
  for (const bk of books) {
    console.log(
      `  ${bk.row} ${bk.id.padEnd(8)} tokens ${String(bk.tokens.total).padStart(7)} (train ${bk.tokens.train}, held-out ${bk.tokens.heldout});` +
        ` in vocabulary: train ${bk.vocabularyTokens.train}, held-out ${bk.vocabularyTokens.heldout}`,
    );
  }
  let total = 0;
  for (const [name, bytes] of outputs) {
    total += bytes.length;
    console.log(`  ${sha256(bytes)}  ${String(bytes.length).padStart(8)}  ${name}`);
  }
  console.log(`  total ${total} bytes; float32 midpoints settled exactly: ${midpointsResolved}`);
}

function notice(
  p: number,
  nAlpha: number,
  checksums: { name: string; size: number; sha256: string }[],
): string {
  const bookRows = BOOKS.map(
    (b, i) =>
      `| ${i} | ${b.author}, *${b.title}* (PG #${b.gutenberg}) | \`${b.file}\` | \`${b.repository}\` | \`${b.path}\` | \`${b.commit}\` | \`${b.blob}\` |`,
  ).join('\n');
  const sums = checksums.map((c) => `| \`${c.name}\` | ${c.size} | \`${c.sha256}\` |`).join('\n');
  return `# The books data set: sources and licences

This directory is generated by \`scripts/prepare-books.ts\` (edit the script, not these files). It holds
data *derived* from the files described in \`../shared/data/real/SOURCES.md\`: the 50-d GloVe vectors of
p = ${p} words (the ${nAlpha} purely alphabetic words among GloVe's 10,000 most frequent, kept when they
occur at least ${MIN_COUNT} times in the six books together), and how often each word occurs in each book,
split into a training and a held-out half. The book texts themselves are **not** included. The exact
rules are in \`books.json\` (\`rules\`).

| file | contents |
|---|---|
| \`words.txt\` | the p words, one per line, in GloVe's frequency order (= feature row order) |
| \`features.npy\` | float32, shape (p, 50), C order: the GloVe vectors |
| \`counts-train.npy\` | int32, shape (6, p): row b = book b's counts in its even 1000-token blocks |
| \`counts-heldout.npy\` | int32, shape (6, p): the same for the odd blocks |
| \`books.json\` | book order (row b), titles, authors, token counts per half, the rules |

## Sources

Every input is a byte-for-byte copy of a file in a public GitHub repository (Git blob id as given by
\`git hash-object\`). The script checks each input's SHA-256 before use.

Features: \`glove.6B.50d.10k.zip\` from \`${GLOVE.repository}\`, path \`${GLOVE.path}\`, commit
\`${GLOVE.commit}\`, blob \`${GLOVE.blob}\` (SHA-256 \`${GLOVE.sha256}\`). It holds
\`${GLOVE.member}\`, the first 10,000 lines of Stanford's \`glove.6B.50d.txt\` (GloVe 6B: Wikipedia 2014 +
Gigaword 5, uncased, 50 dimensions; Pennington, Socher and Manning, 2014, https://nlp.stanford.edu/projects/glove/).

Counts: six Project Gutenberg plain-text eBooks (book text between the \`*** START OF\` and \`*** END OF\` lines):

| row | book | file | repository | path | commit | blob |
|---|---|---|---|---|---|---|
${bookRows}

## Licences

- **GloVe vectors** (\`features.npy\`, and the word list in \`words.txt\`): Open Data Commons Public Domain
  Dedication and License (PDDL) v1.0, as published by Stanford for the GloVe pre-trained vectors
  (https://opendatacommons.org/licenses/pddl/1-0/). The hosting repository adds no content of its own and
  states no licence.
- **Books** (\`counts-*.npy\`, token counts in \`books.json\`): the six works are in the public domain in the
  US (all authors died before 1914), distributed by Project Gutenberg (https://www.gutenberg.org) "for the use
  of anyone anywhere at no cost and with almost no restrictions whatsoever". What is redistributed here is
  only derived data — per-book word counts — not the texts, and not in the name of Project Gutenberg;
  "Project Gutenberg" is a trademark of the Project Gutenberg Literary Archive Foundation.
- The derived files add no creative content of their own: the vectors carry GloVe's PDDL 1.0, and the
  counts are facts about public-domain texts.

## Regenerate

\`\`\`sh
npx tsx scripts/prepare-books.ts [--raw /work/shared/data/real]
\`\`\`

\`--raw\` defaults to \`../shared/data/real\` relative to the repository root; \`--out\` (default
\`data/books\`) picks another output directory. The script is deterministic: the same inputs give the same
bytes. It stops if an input's SHA-256 or a book's token count differs from SOURCES.md.

## Checksums (SHA-256)

| file | bytes | sha256 |
|---|---|---|
${sums}
`;
}

main();
