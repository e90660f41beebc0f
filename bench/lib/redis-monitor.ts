import net from 'node:net';
import { keyPattern } from './redis-tools.js';

/** One command Redis executed, as MONITOR shows it. */
export interface MonitoredCommand {
  /** Run by a Lua script (not a round trip of its own). */
  lua: boolean;
  /** The sending connection's address (`127.0.0.1:53412`), `lua` inside a script. */
  client: string;
  name: string;
  /** The first argument (the key for most commands), as a pattern. */
  key: string;
}

/**
 * A MONITOR connection (raw RESP, no client library): every command the server runs, including
 * those inside scripts (marked `lua`). For tracing one request at a time, never under load.
 */
export class RedisMonitor {
  private buf = '';
  private lines: MonitoredCommand[] = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
        if (!m) continue;
        const args = [...m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]);
        const name = (args[0] ?? '').toUpperCase();
        // EVAL/EVALSHA script numkeys key...: the first key is the fourth word.
        const key = /^EVAL/.test(name) ? args[3] : args[1];
        this.lines.push({ lua: m[1] === 'lua', client: m[1], name, key: key ? keyPattern(key) : '' });
      }
    });
  }

  static start(port: number): Promise<RedisMonitor> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host: '127.0.0.1' });
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.write('MONITOR\r\n');
        const m = new RedisMonitor(sock);
        // The first reply is +OK.
        setTimeout(() => resolve(m), 50);
      });
    });
  }

  /** The commands seen since the last call. */
  take(): MonitoredCommand[] {
    const out = this.lines.filter((l) => l.name !== 'OK');
    this.lines = [];
    return out;
  }

  stop(): void {
    this.sock.destroy();
  }
}

/**
 * The addresses of the app's mail-worker connections: named `mail-worker` (its commands) and
 * `<prefix>:<base64 queue name>:w:mail-worker` (its blocking wait for jobs).
 * @param clientList the text of `CLIENT LIST`.
 */
export function workerAddresses(clientList: string): Set<string> {
  const out = new Set<string>();
  for (const line of clientList.split('\n')) {
    const addr = /(?:^| )addr=(\S+)/.exec(line)?.[1];
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
    if (addr && /(^|:)mail-worker$/.test(name)) out.add(addr);
  }
  return out;
}

/**
 * Splits a step's commands into those of the request and those of a mail worker that ran
 * meanwhile (its connections in `workers`); a script's inner commands go with the call before them.
 */
export function splitByWorker(cmds: MonitoredCommand[], workers: Set<string>) {
  const request: MonitoredCommand[] = [];
  const worker: MonitoredCommand[] = [];
  let last = request;
  for (const c of cmds) {
    if (!c.lua) last = workers.has(c.client) ? worker : request;
    last.push(c);
  }
  return { request, worker };
}

/**
 * Round trips in a list of monitored commands: commands sent by clients, a MULTI ... EXEC block
 * counting as one (node-redis sends it in one write); script-internal commands are not round trips.
 */
export function roundTrips(cmds: MonitoredCommand[]): { roundTrips: number; scriptCalls: number; sequence: string } {
  const seq: string[] = [];
  let inMulti = false;
  let block: string[] = [];
  let scriptCalls = 0;
  for (const c of cmds) {
    if (c.lua) {
      scriptCalls++;
      continue;
    }
    const label = `${c.name}${c.key ? ` ${c.key}` : ''}`;
    if (c.name === 'MULTI') {
      inMulti = true;
      block = [];
    } else if (c.name === 'EXEC' && inMulti) {
      inMulti = false;
      seq.push(`MULTI[${block.join('; ')}]`);
    } else if (inMulti) {
      block.push(label);
    } else {
      seq.push(label);
    }
  }
  return { roundTrips: seq.length, scriptCalls, sequence: seq.join(' → ') };
}
