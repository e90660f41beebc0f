import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { sleep } from './stats.js';

/** Every child this run started; killed (SIGKILL) when the bench exits, however it exits. */
const children = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.stdin?.destroy();
      c.kill('SIGKILL');
    }
  }
}
process.once('exit', killAllChildren);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** CPU pinning: the servers under test on one core, the load generator on the other. */
export interface Pinning {
  enabled: boolean;
  /** Cores (taskset list) for the server under test and Redis. */
  server: string;
  /** Cores for this process: the load generator and the SMTP sink. */
  load: string;
}

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of this process to `cpus` (taskset list). */
export function pinSelf(cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Command and args, wrapped in `taskset -c cpus` when pinning. */
export function pinned(cpus: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
}

/** A child whose output is kept (last 8 KB) for error messages. */
export interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function track(proc: ChildProcess): Child {
  children.add(proc);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      children.delete(proc);
      resolve(code);
    });
  });
  return {
    proc,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs redis-server under a shell watchdog that SIGKILLs it as soon as its stdin reaches EOF:
 * our end of the pipe closes when we stop it and whenever this process dies, even by SIGKILL.
 */
const WATCHDOG = [
  'exec 3<&0 </dev/null',
  '"$@" 3<&- & r=$!',
  '{ cat <&3 >/dev/null; kill -9 $r; } >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait $r',
].join('\n');

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** Starts a dedicated `redis-server` from PATH on a free loopback port, without persistence. */
export async function startRedis(cpus?: string): Promise<RedisServer> {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      'redis-server is not on PATH. Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis).',
    );
  }
  const port = await freePort();
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ];
  const [cmd, cmdArgs] = pinned(cpus, 'redis-server', args);
  const proc = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', cmd, ...cmdArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  const child = track(proc);
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.stdin?.end();
      throw new Error(`redis-server on port ${port} did not start:\n${child.output()}`);
    }
    await sleep(50);
  }
  const pid = Number(/pid=(\d+)/.exec(child.output())?.[1] ?? 0);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    version: /v=(\S+)/.exec(version.stdout)?.[1] ?? version.stdout.trim(),
    async stop() {
      if (proc.exitCode !== null) return;
      proc.stdin?.end();
      await child.exited;
    },
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let buf = '';
    const sock = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/** Waits until `GET url` answers 200 (or the child exits, or the timeout passes). */
export async function waitHttpOk(url: string, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`process exited before answering ${url}:\n${child.output()}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child.output()}`);
    await sleep(100);
  }
}
