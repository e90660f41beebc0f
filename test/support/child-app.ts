import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT_URL = new URL('../../', import.meta.url).href;

/** A `data:` URL of an ES module, for `--import` and `module.register` (no file to lint or to ship). */
const moduleUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

/**
 * Module hooks (they run in Node's loader thread) that load this project's TypeScript files
 * compiled by SWC with vitest's options (decorator metadata for NestJS DI), resolve a `.js`
 * import of a project file that only exists as `.ts` (the nodenext convention) to that file, and
 * the package's own entries (`nest-mfa-signin`, imported by the example host app) to src/, as
 * vitest's aliases do.
 */
const HOOKS = `
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const ROOT = ${JSON.stringify(ROOT_URL)};
const { transform } = createRequire(ROOT)('@swc/core');
const own = (url) => url.startsWith(ROOT) && !url.includes('/node_modules/');
const ENTRIES = { 'nest-mfa-signin': 'src/index.ts', 'nest-mfa-signin/testing': 'src/testing/index.ts' };
export async function resolve(specifier, context, next) {
  if (Object.hasOwn(ENTRIES, specifier) && context.parentURL && own(context.parentURL)) {
    return { url: new URL(ENTRIES[specifier], ROOT).href, shortCircuit: true };
  }
  const relative = ['.', '/', 'file:'].some((p) => specifier.startsWith(p));
  if (relative && specifier.endsWith('.js') && context.parentURL && own(context.parentURL)) {
    const url = new URL(specifier, context.parentURL);
    const ts = new URL(url.href.slice(0, -'.js'.length) + '.ts');
    if (!existsSync(url) && existsSync(ts)) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts') || !own(url)) return next(url, context);
  const { code } = await transform(await readFile(new URL(url), 'utf8'), {
    filename: fileURLToPath(url),
    sourceMaps: 'inline',
    module: { type: 'es6' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
`;

/**
 * Preloaded into each child (`--import`): registers {@link HOOKS}, and kills the child as soon as
 * its stdin closes, which happens when the test process ends, even by SIGKILL, so no server is
 * left running (the stdin handle never keeps the child alive by itself).
 */
const PRELOAD = `
import { register } from 'node:module';
register(${JSON.stringify(moduleUrl(HOOKS))});
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.resume();
process.stdin.unref();
`;

/** What {@link startChild} runs: `src/main.ts`, `src/worker.ts`, or the example host app's main. */
export type ChildEntry = 'main' | 'worker' | 'examples/host-app/src/main';

const entryFile = (entry: ChildEntry) => (entry.startsWith('examples/') ? `${entry}.ts` : `src/${entry}.ts`);

/** A server or worker of this project running in a child process, from its TypeScript sources. */
export interface ChildApp {
  readonly process: ChildProcess;
  /** What it printed so far (stdout and stderr, the last 20 000 characters). */
  output(): string;
  /** Everything it printed on stdout and stderr since it started, in full. */
  fullOutput(): string;
  /** Sends `signal` and waits until it exited; resolves with how. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((c) => c.kill('SIGKILL')));

/**
 * Starts `node src/<entry>.ts` (or the example host app's `main.ts`), compiled by SWC as vitest
 * compiles it, with exactly `env` (plus PATH), and waits until `ready` says it is up or it exits.
 * It dies with the test process.
 */
export async function startChild(
  entry: ChildEntry,
  env: Record<string, string>,
  ready: (output: string) => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<ChildApp> {
  const file = entryFile(entry);
  const child = spawn(process.execPath, ['--import', moduleUrl(PRELOAD), file], {
    cwd: fileURLToPath(ROOT_URL),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const chunks: Buffer[] = [];
  const collect = (d: Buffer) => {
    chunks.push(d);
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const app: ChildApp = {
    process: child,
    output: () => output,
    fullOutput: () => Buffer.concat(chunks).toString(),
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${file} exited before it was ready:\n${output}`);
    }
    if (await ready(output)) return app;
    if (Date.now() > deadline) {
      await app.kill('SIGKILL');
      throw new Error(`${file} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a one-shot command of this project did in a child process. */
export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node src/<entry>.ts <args>` (compiled by SWC as vitest compiles it) with exactly `env`
 * (plus PATH) until it exits by itself, and says how it ended and what it printed. Killed (and
 * rejected) after `timeoutMs`, and with the test process.
 */
export function runChild(
  entry: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', moduleUrl(PRELOAD), `src/${entry}.ts`, ...args], {
    cwd: fileURLToPath(ROOT_URL),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`src/${entry}.ts ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    // 'close': after the exit and the last of its output.
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A readiness check: `GET /health/live` answers 200 on `port`. */
export function httpLive(port: number): () => Promise<boolean> {
  return () =>
    fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
}
