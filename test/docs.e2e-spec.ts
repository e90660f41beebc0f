/**
 * The code blocks of the README and docs/extending.md are copies of code the tests compile (the
 * example host app, the package's sources): a block that no longer matches a file fails here, so no
 * example can rot.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const DOCS = ['README.md', 'docs/extending.md'];
const SOURCES = ['examples/host-app', 'src'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Lines without their leading spaces and with inner runs of spaces collapsed (blocks may be indented). */
const normalise = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');

const sources = SOURCES.flatMap((d) => walk(join(ROOT, d))).map((file) => ({
  file,
  text: normalise(readFileSync(file, 'utf8')),
}));

describe('documentation code blocks', () => {
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

    it(`${doc}: has TypeScript examples`, () => {
      expect(blocks.length).toBeGreaterThan(2);
    });

    it(`${doc}: every TypeScript block is found, as it is, in a compiled file`, () => {
      for (const block of blocks) {
        const wanted = normalise(block);
        const found = sources.some((s) => s.text.includes(wanted));
        expect(found, `not found in ${SOURCES.join(' or ')}:\n${block}`).toBe(true);
      }
    });
  }
});
