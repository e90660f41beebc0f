import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProbeReport } from '../eventloop-probe.js';
import { type Child, freePort, pinned, track, waitHttpOk } from './processes.js';

/** Repository root (this file is dist/bench/lib/servers.js once compiled). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH_DIR = new URL('../', import.meta.url);

export interface Server {
  name: string;
  port: number;
  child: Child;
  stop(): Promise<void>;
  /** Starts a probe window (event-loop delay, CPU, argon2 time). */
  probeReset(): Promise<void>;
  probeReport(): Promise<ProbeReport>;
}

export interface AppServer extends Server {
  env: Record<string, string>;
}

const PROBE = new URL('eventloop-probe.js', BENCH_DIR).href;

function probeOf(child: Child): Pick<Server, 'probeReset' | 'probeReport'> {
  const ask = <T>(msg: object, answer: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${answer} from the probe`)), 5000);
      const on = (m: { probe?: string }) => {
        if (m?.probe !== answer) return;
        clearTimeout(timer);
        child.proc.off('message', on);
        resolve(m as T);
      };
      child.proc.on('message', on);
      child.proc.send(msg);
    });
  return {
    probeReset: () => ask<void>({ probe: 'reset' }, 'reset-done'),
    probeReport: () => ask<ProbeReport>({ probe: 'report' }, 'report'),
  };
}

function spawnNode(
  script: string,
  env: Record<string, string>,
  cpus: string | undefined,
  preload?: string,
  nodeFlags: string[] = [],
  cwd = ROOT,
): Child {
  const nodeArgs = [...nodeFlags, ...(preload ? ['--import', preload] : []), script];
  const [cmd, args] = pinned(cpus, process.execPath, nodeArgs);
  const proc = spawn(cmd, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return track(proc);
}

/** A floor server from dist/bench/servers/. */
export async function startFloor(
  name: 'http-floor' | 'express-floor',
  env: Record<string, string>,
  cpus?: string,
): Promise<Server> {
  const port = await freePort();
  const script = fileURLToPath(new URL(`servers/${name}.js`, BENCH_DIR));
  const child = spawnNode(script, { ...env, PORT: String(port), NODE_ENV: 'production' }, cpus, PROBE);
  await waitHttpOk(`http://127.0.0.1:${port}/${name === 'express-floor' ? 'health' : ''}`, child);
  return { name, port, child, stop: () => child.stop(), ...probeOf(child) };
}

/**
 * A peer server (`server.mjs` in `dir`, a folder of bench/peers/ with its own installed
 * dependencies), in production mode, with the probe preloaded like the floors.
 */
export async function startPeer(
  name: string,
  dir: string,
  env: Record<string, string>,
  healthPath: string,
  cpus?: string,
): Promise<Server> {
  const port = await freePort();
  const child = spawnNode(
    fileURLToPath(new URL('server.mjs', pathToFileURL(`${dir}/`))),
    { ...env, PORT: String(port), NODE_ENV: 'production' },
    cpus,
    PROBE,
    [],
    dir,
  );
  await waitHttpOk(`http://127.0.0.1:${port}${healthPath}`, child, 30_000);
  return { name, port, child, stop: () => child.stop(), ...probeOf(child) };
}

/** The app, built (`dist/main.js`), as a child process with the event-loop probe preloaded. */
export async function startApp(
  name: string,
  env: Record<string, string>,
  cpus?: string,
  opts: { cpuProfDir?: string } = {},
): Promise<AppServer> {
  const port = await freePort();
  const fullEnv = { ...env, PORT: String(port), APP_URL: `http://127.0.0.1:${port}` };
  const flags = opts.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child = spawnNode(fileURLToPath(new URL('dist/main.js', pathToFileURL(ROOT))), fullEnv, cpus, PROBE, flags);
  await waitHttpOk(`http://127.0.0.1:${port}/health/live`, child, 30_000);
  return {
    name,
    port,
    child,
    env: fullEnv,
    stop: async () => {
      if (opts.cpuProfDir && child.proc.connected) {
        child.proc.send({ probe: 'exit' });
        await Promise.race([child.exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      await child.stop('SIGTERM', 5000);
    },
    ...probeOf(child),
  };
}
