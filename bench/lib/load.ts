import autocannon from 'autocannon';
import { type LatencySummary, round, Samples } from './stats.js';

export interface HttpTarget {
  name: string;
  port: number;
  path: string;
  headers?: Record<string, string>;
  /** Called before each request (e.g. a different session cookie each time). */
  setupRequest?: (req: autocannon.Request) => autocannon.Request;
  /** Status every answer must have (default 200). */
  expectStatus?: number;
  /** This target's own counters (e.g. its own Redis), instead of the shared ones of the options. */
  counters?(): Promise<Record<string, number>>;
  /** The server's probe: its CPU time is read around each measured slice. */
  probe?: { probeReset(): Promise<void>; probeReport(): Promise<{ cpuMs: number }> };
}

export interface HttpLoadOptions {
  connections: number;
  warmupSeconds: number;
  /** Measured seconds per target, in total. */
  seconds: number;
  /** The measured time is cut into this many slices, run in turn for each target (default 1). */
  slices?: number;
  /** Snapshot of a counter (e.g. Redis commands) taken around each measured slice. */
  counters?(): Promise<Record<string, number>>;
  /** Called after the warm-ups, when the measured time starts. */
  onMeasureStart?(): Promise<void>;
}

export interface HttpLoadResult {
  reqPerSec: number;
  requests: number;
  latency: LatencySummary;
  /** Answers with another status, connection errors and timeouts over the measured time. */
  errors: number;
  seconds: number;
  /** Counter increments per request over the measured time (e.g. Redis commands per request). */
  perRequest?: Record<string, number>;
  /** req/s of each slice, to show the spread. */
  sliceReqPerSec: number[];
  /** Bytes received per answer (status line, headers and body). */
  bytesPerResponse: number;
  /** CPU time of the server process per request (all its threads), when it has a probe. */
  cpuMsPerRequest?: number;
}

/**
 * Runs autocannon against loopback servers: one thrown-away warm-up per target, then the
 * measured time in slices taken in turn (A B C A B C ...), so a slow drift of the machine's
 * background load hits every target alike. Latencies come from autocannon's per-response
 * event (exact, sub-millisecond), over all slices.
 */
export async function httpLoad(targets: HttpTarget[], o: HttpLoadOptions): Promise<Record<string, HttpLoadResult>> {
  const slices = Math.max(1, o.slices ?? 1);
  const sliceSeconds = o.seconds / slices;
  interface Acc {
    samples: Samples;
    requests: number;
    bytes: number;
    cpuMs: number;
    seconds: number;
    errors: number;
    counters: Record<string, number>;
    slices: number[];
  }
  const acc = new Map<string, Acc>(
    targets.map((t) => [
      t.name,
      {
        samples: new Samples(),
        requests: 0,
        bytes: 0,
        cpuMs: 0,
        seconds: 0,
        errors: 0,
        counters: {},
        slices: [],
      },
    ]),
  );
  const optsFor = (t: HttpTarget, duration: number): autocannon.Options => ({
    url: `http://127.0.0.1:${t.port}${t.path}`,
    connections: o.connections,
    pipelining: 1,
    duration,
    headers: t.headers ?? {},
    ...(t.setupRequest ? { requests: [{ setupRequest: t.setupRequest }] } : {}),
  });
  for (const t of targets) if (o.warmupSeconds > 0) await run(optsFor(t, o.warmupSeconds), new Samples());
  await o.onMeasureStart?.();
  for (let i = 0; i < slices; i++) {
    for (const t of targets) {
      const a = acc.get(t.name)!;
      const counters = t.counters ?? o.counters;
      const before = (await counters?.()) ?? {};
      await t.probe?.probeReset();
      const r = await run(optsFor(t, sliceSeconds), a.samples);
      // Requests still in flight when autocannon stops finish now, not in the next target's slice.
      await new Promise((done) => setTimeout(done, 100));
      if (t.probe) a.cpuMs += (await t.probe.probeReport()).cpuMs;
      const after = (await counters?.()) ?? {};
      for (const [k, v] of Object.entries(after)) a.counters[k] = (a.counters[k] ?? 0) + v - (before[k] ?? 0);
      const expected = t.expectStatus ?? 200;
      const unexpected = Object.entries(r.statusCodeStats ?? {})
        .filter(([code]) => Number(code) !== expected)
        .reduce((n, [, v]) => n + (v as { count: number }).count, 0);
      a.requests += r.requests.total;
      a.bytes += r.throughput.total;
      a.seconds += r.duration;
      a.errors += r.errors + r.timeouts + unexpected;
      a.slices.push(round(r.requests.total / r.duration, 0));
    }
  }
  const out: Record<string, HttpLoadResult> = {};
  for (const [name, a] of acc) {
    const perRequest: Record<string, number> = {};
    for (const [k, v] of Object.entries(a.counters)) {
      // Below 0.005 a request: stray commands at the turn boundaries, not the route's.
      if (v / a.requests >= 0.005) perRequest[k] = round(v / a.requests, 3);
    }
    out[name] = {
      reqPerSec: round(a.requests / a.seconds, 0),
      requests: a.requests,
      latency: a.samples.summary(),
      errors: a.errors,
      seconds: round(a.seconds, 2),
      ...(o.counters || targets.some((t) => t.counters) ? { perRequest } : {}),
      sliceReqPerSec: a.slices,
      bytesPerResponse: Math.round(a.bytes / a.requests),
      ...(targets.find((t) => t.name === name)?.probe ? { cpuMsPerRequest: round(a.cpuMs / a.requests, 4) } : {}),
    };
  }
  return out;
}

function run(opts: autocannon.Options, samples: Samples): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
      samples.add(responseTime),
    );
  });
}
