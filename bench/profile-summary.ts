/**
 * Where a V8 CPU profile (`--cpu-prof` of the bench) spent its busy time: self time by package
 * (node's own frames counted to the nearest package that called them, the app's by feature folder),
 * then the busiest functions. Idle time is left out; `(program)` (native work no JS frame owns) is
 * busy time of its own.
 *
 *   node dist/bench/profile-summary.js bench/results/profiles/email.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `express`, `@nestjs/core`, `app:session` (a folder of `dist/`), or undefined for node's own code. */
export function packageOf(url: string): string | undefined {
  const inModules = url.split('/node_modules/');
  if (inModules.length > 1) {
    const [scope, name] = inModules.at(-1)!.split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const inDist = url.split('/dist/');
  if (inDist.length > 1) return `app:${inDist.at(-1)!.split('/')[0].replace(/\.js$/, '')}`;
  return undefined;
}

/** Busy milliseconds, and self time by package and by function, each in ms, largest first. */
export function summarize(profile: CpuProfile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the gap before sample i: sample i lasts until the next one (as DevTools counts).
    const us = profile.timeDeltas[i + 1] ?? 0;
    const frame = nodes.get(id)!.callFrame;
    // `(program)` is busy native work no JS frame owns: counted, under its own name.
    if (frame.functionName === '(idle)') return;
    busyUs += us;
    let pkg = ['(garbage collector)', '(program)'].includes(frame.functionName) ? frame.functionName : undefined;
    for (let cur: number | undefined = id; !pkg && cur !== undefined; cur = parent.get(cur)) {
      pkg = packageOf(nodes.get(cur)!.callFrame.url);
    }
    pkg ??= '(node, no package above)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const where = frame.url ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const ranked = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000 }));
  return { busyMs: busyUs / 1000, byPackage: ranked(byPackage), byFunction: ranked(byFunction) };
}

function main(argv: string[]) {
  const file = argv[0];
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [--top N]');
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 25;
  const { busyMs, byPackage, byFunction } = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (ms: number) => `${((ms / busyMs) * 100).toFixed(1).padStart(5)} %`;
  console.log(`${file}: ${busyMs.toFixed(0)} ms busy`);
  console.log('\nself time by package');
  for (const p of byPackage.slice(0, top)) console.log(`${pct(p.ms)}  ${p.name}`);
  console.log('\nself time by function');
  for (const f of byFunction.slice(0, top)) console.log(`${pct(f.ms)}  ${f.name}`);
}

if (process.argv[1]?.endsWith('profile-summary.js')) main(process.argv.slice(2));
