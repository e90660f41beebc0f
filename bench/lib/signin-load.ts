import { performance } from 'node:perf_hooks';
import { BenchClient } from './http-client.js';
import type { SmtpSink } from './smtp-sink.js';
import { type LatencySummary, round, Samples, sleep } from './stats.js';

/**
 * One server's email sign-in, as three requests: ask for a code, send it back, open the signed-in
 * page. Each step throws when the answer is not the expected one.
 */
export interface SignInFlow {
  /** The cookie that carries the session (the only one the client keeps). */
  cookieName: string;
  /** Headers sent with every POST. */
  postHeaders?: Record<string, string>;
  start(client: BenchClient, email: string): Promise<void>;
  verify(client: BenchClient, email: string, code: string): Promise<void>;
  /** Opens the signed-in page; it must show `email`. */
  home(client: BenchClient, email: string): Promise<void>;
}

/**
 * This server's flow: `POST <startPath>` (JSON, with `password` in password mode) answering
 * `code_sent`, `POST /verify` (JSON), `GET /home`.
 */
export function appSignInFlow(o: { startPath?: string; password?: string; cookieName?: string } = {}): SignInFlow {
  const startPath = o.startPath ?? '/auth';
  return {
    cookieName: o.cookieName ?? 'sid',
    async start(client, email) {
      const r = await client.postJson(
        startPath,
        o.password === undefined ? { email } : { email, password: o.password },
      );
      if (r.status !== 200 || !r.body.includes('code_sent'))
        throw new Error(`POST ${startPath} ${r.status} ${r.body.slice(0, 200)}`);
    },
    async verify(client, _email, code) {
      const r = await client.postJson('/verify', { code });
      if (r.status !== 200) throw new Error(`POST /verify ${r.status} ${r.body.slice(0, 200)}`);
    },
    home: expectPage('/home'),
  };
}

/** A step that GETs `path` and expects a 200 page showing the address. */
export function expectPage(path: string): SignInFlow['home'] {
  return async (client, email) => {
    const r = await client.get(path);
    if (r.status !== 200 || !r.body.includes(email)) throw new Error(`GET ${path} ${r.status}`);
  };
}

export interface SignInLoadOptions {
  port: number;
  smtp: SmtpSink;
  users: number;
  /** The next new address, or undefined when there is none left. */
  nextEmail(): string | undefined;
  /** The server's flow (default: this server's, with `password` and `startPath`). */
  flow?: SignInFlow;
  /** Password mode: sent with POST /auth. */
  password?: string;
  /** The route that starts a flow (default `/auth`; `/register` for password-mode sign-ups). */
  startPath?: string;
  /** Duration mode: a warm-up (not counted) then a measured window. */
  warmupSeconds?: number;
  seconds?: number;
  /** Count mode: stop after this many flows (all counted). */
  count?: number;
  /** Called when the measured window starts (e.g. to reset the app's probe). */
  onWindowStart?(): Promise<void>;
}

export interface SignInLoadResult {
  signIns: number;
  signInsPerSec: number;
  seconds: number;
  /** The whole flow: start (POST /auth), the mail, verify (POST /verify), the page (GET /home). */
  flow: LatencySummary;
  steps: { start: LatencySummary; mailWait: LatencySummary; verify: LatencySummary; home: LatencySummary };
  errors: number;
  errorSamples: string[];
  /** Each completed flow: its duration (ms), for shares. */
  flowMsTotal: number;
  /** The session cookie of the last completed flow (a signed-in session). */
  lastCookie?: string;
  /** CPU of this process (the load generator and the SMTP server) over the window, in cores. */
  loadGeneratorCores: number;
}

/**
 * `users` concurrent browsers, each looping a full sign-in with a new address: start, read the
 * code from the SMTP server, verify, open the protected page.
 */
export async function signInLoad(o: SignInLoadOptions): Promise<SignInLoadResult> {
  const flow = new Samples();
  const steps = { start: new Samples(), mailWait: new Samples(), verify: new Samples(), home: new Samples() };
  const errorSamples: string[] = [];
  let errors = 0;
  let measuring = o.count !== undefined;
  let stop = false;
  let started = 0;
  let windowStart = performance.now();
  let windowEnd = 0;
  let lastCookie: string | undefined;
  let cpu0 = process.cpuUsage();

  const fail = (msg: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(msg);
  };

  const signIn = o.flow ?? appSignInFlow({ startPath: o.startPath, password: o.password });
  const user = async (i: number) => {
    const client = new BenchClient(o.port, signIn.cookieName, signIn.postHeaders);
    try {
      while (!stop) {
        if (o.count !== undefined && started >= o.count) break;
        const email = o.nextEmail();
        if (!email) break;
        started++;
        client.reset();
        const t0 = performance.now();
        try {
          await signIn.start(client, email);
          const t1 = performance.now();
          const { code } = await o.smtp.code(email);
          const t2 = performance.now();
          await signIn.verify(client, email, code);
          const t3 = performance.now();
          await signIn.home(client, email);
          const t4 = performance.now();
          if (measuring) {
            flow.add(t4 - t0);
            steps.start.add(t1 - t0);
            steps.mailWait.add(t2 - t1);
            steps.verify.add(t3 - t2);
            steps.home.add(t4 - t3);
            lastCookie = client.cookie;
          }
        } catch (err) {
          fail(`user ${i}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      client.close();
    }
  };

  if (o.count === undefined) {
    const running = Array.from({ length: o.users }, (_, i) => user(i));
    await sleep((o.warmupSeconds ?? 0) * 1000);
    await o.onWindowStart?.();
    windowStart = performance.now();
    cpu0 = process.cpuUsage();
    measuring = true;
    await sleep((o.seconds ?? 10) * 1000);
    measuring = false;
    windowEnd = performance.now();
    cpu0 = process.cpuUsage(cpu0);
    stop = true;
    await Promise.all(running);
  } else {
    await o.onWindowStart?.();
    windowStart = performance.now();
    cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: o.users }, (_, i) => user(i)));
    windowEnd = performance.now();
    cpu0 = process.cpuUsage(cpu0);
  }
  const seconds = (windowEnd - windowStart) / 1000;
  return {
    signIns: flow.count,
    signInsPerSec: round(flow.count / seconds, 1),
    seconds: round(seconds, 2),
    flow: flow.summary(),
    steps: {
      start: steps.start.summary(),
      mailWait: steps.mailWait.summary(),
      verify: steps.verify.summary(),
      home: steps.home.summary(),
    },
    errors,
    errorSamples,
    flowMsTotal: flow.sum,
    lastCookie,
    loadGeneratorCores: round((cpu0.user + cpu0.system) / 1000 / (windowEnd - windowStart), 2),
  };
}
