import net from 'node:net';
import { keyPattern } from './redis-tools.js';

/** One command Redis executed, as MONITOR shows it. */
export interface MonitoredCommand {
  /** Run by a Lua script (not a round trip of its own). */
  lua: boolean;
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
        this.lines.push({ lua: m[1] === 'lua', name, key: key ? keyPattern(key) : '' });
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
