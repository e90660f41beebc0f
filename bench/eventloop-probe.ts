/**
 * Preload for the app under test: `node --import ./dist/bench/eventloop-probe.js dist/main.js`.
 * It changes nothing in the app. Active only when started by the bench with an IPC channel:
 *  - event-loop delay with `perf_hooks.monitorEventLoopDelay`;
 *  - process CPU time (`process.cpuUsage`, all threads: the argon2 thread pool included);
 *  - wall time of argon2 `hash`/`verify` calls (the module's exports are wrapped in place; the
 *    app's `import argon2 from 'argon2'` gets the same CommonJS exports object).
 * Messages: `{ probe: 'reset' }` starts a window, `{ probe: 'report' }` answers `{ probe: 'report', ... }`,
 * `{ probe: 'exit' }` exits at once (so `--cpu-prof` profiles get written).
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface ProbeReport {
  probe: 'report';
  /** Window length, ms. */
  wallMs: number;
  /** Event-loop delay beyond the sampling interval, ms. */
  eventLoop: { p50: number; p99: number; max: number; mean: number; samples: number };
  /** CPU time of the process over the window (user + system, all threads), ms. */
  cpuMs: number;
  argon2: { hashCalls: number; hashMs: number; verifyCalls: number; verifyMs: number };
  /** Probe could not wrap argon2 (then the counts stay 0). */
  argon2Error?: string;
}

const RESOLUTION_MS = 5;

if (typeof process.send === 'function') {
  const hist = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  hist.enable();
  let t0 = performance.now();
  let cpu0 = process.cpuUsage();
  const argon = { hashCalls: 0, hashMs: 0, verifyCalls: 0, verifyMs: 0 };
  let argon2Error: string | undefined;

  try {
    const require = createRequire(pathToFileURL(`${process.cwd()}/`).href);
    const mod = require('argon2') as Record<string, unknown>;
    for (const name of ['hash', 'verify'] as const) {
      const original = mod[name] as (...args: unknown[]) => Promise<unknown>;
      mod[name] = function timed(this: unknown, ...args: unknown[]) {
        const start = performance.now();
        const done = () => {
          argon[`${name}Calls`]++;
          argon[`${name}Ms`] += performance.now() - start;
        };
        const p = original.apply(this, args);
        p.then(done, done);
        return p;
      };
    }
  } catch (err) {
    argon2Error = err instanceof Error ? err.message : String(err);
  }

  // The histogram records the interval between two timer ticks: subtract the interval itself.
  const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

  process.on('message', (msg: { probe?: string }) => {
    if (msg?.probe === 'reset') {
      hist.reset();
      t0 = performance.now();
      cpu0 = process.cpuUsage();
      Object.assign(argon, { hashCalls: 0, hashMs: 0, verifyCalls: 0, verifyMs: 0 });
      process.send!({ probe: 'reset-done' });
    } else if (msg?.probe === 'exit') {
      // A clean exit (writes --cpu-prof profiles, which a signal death would not).
      process.exit(0);
    } else if (msg?.probe === 'report') {
      const cpu = process.cpuUsage(cpu0);
      const report: ProbeReport = {
        probe: 'report',
        wallMs: performance.now() - t0,
        eventLoop: {
          p50: delay(hist.percentile(50)),
          p99: delay(hist.percentile(99)),
          max: delay(hist.max),
          mean: delay(hist.mean),
          samples: hist.count,
        },
        cpuMs: (cpu.user + cpu.system) / 1000,
        argon2: { ...argon },
        ...(argon2Error ? { argon2Error } : {}),
      };
      process.send!(report);
    }
  });
  // The channel must not keep the app alive, and the app must not outlive the bench.
  process.channel?.unref();
  process.on('disconnect', () => process.exit(0));
}
