/**
 * The shape of the code: no feature folder imports one that imports it back (directly or through
 * others), and `http/` depends on no feature. A cycle means a port or an event is missing.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src', import.meta.url).pathname;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !/\.(spec|contract)\.ts$/.test(p) ? [p] : [];
  });
}

/** folder -> folders it imports (top-level folders under src/; files directly in src/ are the app root). */
function graph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const file of walk(SRC)) {
    const from = relative(SRC, file).split('/');
    if (from.length < 2) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)) {
      const to = relative(SRC, normalize(join(dirname(file), m[1]))).split('/');
      if (to.length >= 2 && to[0] !== from[0] && !to[0].startsWith('..')) {
        g.set(from[0], (g.get(from[0]) ?? new Set()).add(to[0]));
      }
    }
  }
  return g;
}

describe('architecture', () => {
  const g = graph();

  it('finds the folders and their imports', () => {
    expect(g.get('auth')?.has('session')).toBe(true);
  });

  it('has no import cycle between folders', () => {
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      for (const next of g.get(node) ?? []) {
        if (next === path[0]) cycles.push([...path, next].join(' -> '));
        else if (!path.includes(next) && next > path[0]) visit(next, [...path, next]);
      }
    };
    for (const start of g.keys()) visit(start, [start]);
    expect(cycles).toEqual([]);
  });

  it('keeps http/ free of features', () => {
    expect([...(g.get('http') ?? [])]).toEqual([]);
  });
});
