/**
 * `npm run bench [-- --smoke] [-- --json <file>]`: the performance benchmark of docs/benchmarks.md.
 * Starts its own redis-servers, SMTP server, floor servers, peer servers (bench/peers/) and the
 * built app (dist/main.js) on loopback, measures, prints a table with ratios to the floors and the
 * peers of the same run and the targets, writes the run as JSON, a markdown table and SVG charts,
 * and exits non-zero only when something failed (errors), never for a missed target.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import argon2 from 'argon2';
import { comparisonMarkdown } from './comparison.js';
import { BenchClient } from './lib/http-client.js';
import { type HttpLoadOptions, type HttpTarget, httpLoad } from './lib/load.js';
import { anonymousViews } from './lib/anonymous-views.js';
import { ensureInstalled, PEERS, peerDir, type PeerSpec } from './lib/peers.js';
import { hasTaskset, type Pinning, pinSelf, type RedisServer, startRedis } from './lib/processes.js';
import { RedisMonitor, roundTrips, splitByWorker, workerAddresses } from './lib/redis-monitor.js';
import {
  commandCounts,
  connectRedis,
  redisCpuSeconds,
  keyCensus,
  type Redis,
  seedAccounts,
  seedSessions,
  sessionBytes,
  sessionIdFromCookie,
  usedMemory,
} from './lib/redis-tools.js';
import { type AppServer, ROOT, type Server, startApp, startFloor, startPeer } from './lib/servers.js';
import { type SignInFlow, signInLoad } from './lib/signin-load.js';
import { SmtpSink } from './lib/smtp-sink.js';
import { round, Samples, sleep } from './lib/stats.js';
import { type PeerReport, printReport, type Report } from './report.js';

// ---------------------------------------------------------------- options

/** The app's keys of one signed-in session: its record and the account's session index. */
const APP_SESSION_PATTERNS = ['sess:<id>', 'si:<email>'];

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (flag('--help') || flag('-h')) {
  console.log(`usage: npm run bench [-- options]
  --smoke            1 s per scenario, 200 sign-ins for memory, 2,000 sessions, 200 anonymous views (CI)
  --json <file>      write the results as JSON there (default bench/results/latest.json; smoke: a temporary file)
  --docs             write the charts to docs/benchmarks/ and the comparison table into docs/benchmarks.md
  --no-peers         measure neither the tutorial nor Better Auth (bench/peers/)
  --only <list>      comma list of: home,email,memory,sessions,password,anonymous (home includes the floors)
  --seconds <n>      measured seconds per scenario (default 10; smoke 1)
  --no-pin           do not pin processes to cores with taskset
  --redis-cpu <list> cores for redis-server (default: the load generator's), or none
  --cpu-prof <dir>   write V8 CPU profiles of the app processes to <dir>`);
  process.exit(0);
}
const smoke = flag('--smoke');
const jsonFile = value('--json');
const publish = flag('--docs');
const withPeers = !flag('--no-peers');
const only = value('--only')?.split(',');
const runs = (s: string) => !only || only.includes(s);
const cwd = process.env.INIT_CWD ?? process.cwd();
const cpuProfDir = value('--cpu-prof') ? resolve(cwd, value('--cpu-prof')!) : undefined;

const seconds = Number(value('--seconds') ?? (smoke ? 1 : 10));
const P = {
  warmup: smoke ? 0.5 : 3,
  seconds,
  /** The floors and the protected page are measured in turn, in slices of about 2 s. */
  slices: Math.max(1, Math.round(seconds / 2)),
  connections: 50,
  users: 20,
  memorySignIns: smoke ? 200 : 10_000,
  sessionsSmall: smoke ? 200 : 1000,
  sessionsLarge: smoke ? 2000 : 100_000,
  passwordAccounts: smoke ? 600 : 6000,
  passwordSignUps: smoke ? 20 : 200,
  anonymousViews: smoke ? 200 : 10_000,
};

const cpus = os.availableParallelism();
const pin: Pinning = {
  enabled: !flag('--no-pin') && cpus >= 2 && hasTaskset(),
  server: String(cpus - 1),
  load: cpus > 2 ? `0-${cpus - 2}` : '0',
};
const serverCpus = pin.enabled ? pin.server : undefined;
const redisCpuArg = value('--redis-cpu');
const redisCpus = redisCpuArg === 'none' ? undefined : (redisCpuArg ?? (pin.enabled ? pin.load : undefined));
if (pin.enabled) pinSelf(pin.load);

const log = (msg: string) => console.log(`[bench] ${msg}`);
/** The chart renderer's package (installed on first use, like the peers). */
const CHART_DIR = resolve(ROOT, 'bench/chart');
/** Why the charts cannot be drawn (their package could not be installed), if so. */
let chartMissing: string | undefined;
const errors: string[] = [];
const check = (name: string, r: { errors: number; errorSamples?: string[] }) => {
  if (r.errors > 0)
    errors.push(`${name}: ${r.errors} errors${r.errorSamples?.length ? ` (${r.errorSamples.join(' | ')})` : ''}`);
};

// ---------------------------------------------------------------- run

async function main(): Promise<number> {
  if (!existsSync(resolve(ROOT, 'dist/main.js')))
    throw new Error('dist/main.js is missing: run `npm run build` (npm run bench does).');
  const started = performance.now();
  const { loadConfig } = (await import(pathToFileURL(resolve(ROOT, 'dist/config/app.config.js')).href)) as {
    loadConfig(env: Record<string, string | undefined>): { password: { memoryKib: number; iterations: number } };
  };

  const redisServer = await startRedis(redisCpus);
  const redis = await connectRedis(redisServer.url);
  const smtp = new SmtpSink();
  await smtp.start();
  const sessionSecret = randomBytes(32).toString('base64url');
  const baseEnv: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisServer.url,
    SMTP_URL: smtp.url,
    SESSION_SECRET: sessionSecret,
    OTP_SECRET: randomBytes(32).toString('base64url'),
    MFA_ENCRYPTION_KEY: `bench:${randomBytes(32).toString('base64')}`,
    AUTH_SIGNUP: 'open',
    // One loopback client makes every request: the per-address POST budget (default 60/min) would throttle it.
    RATE_LIMIT_PER_MINUTE: '100000',
  };
  const argonCost = loadConfig({ ...baseEnv, APP_URL: 'http://127.0.0.1:3000' }).password;
  const loadAverage = os.loadavg().map((l) => round(l, 2));
  const machine = {
    nproc: cpus,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? redisServer.version,
    os: `${os.type()} ${os.release()}`,
    pinning: pin.enabled
      ? `server under test on CPU ${pin.server}; load generator + SMTP server on CPU ${pin.load}; redis-server on ${redisCpus ? `CPU ${redisCpus}` : 'any CPU'}`
      : 'none',
    loadAverageAtStart: loadAverage.join(' '),
  };
  log(`${machine.cpu}, ${cpus} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Redis ${machine.redis}`);
  log(`pinning: ${machine.pinning}`);
  if (loadAverage[0] > 0.5)
    log(`WARNING: the machine is busy (load average ${machine.loadAverageAtStart}): figures will be noisy`);
  log('raised for the run: RATE_LIMIT_PER_MINUTE=100000 (default 60; one loopback client sends every POST).');
  log('OTP_RESEND_SECONDS keeps its default: every sign-in uses a new address, so the cooldown never applies.');
  log(
    `argon2id as configured: ${argonCost.memoryKib} KiB, ${argonCost.iterations} passes. ` +
      (smoke ? 'SMOKE run: 1 s per scenario.' : `${P.seconds} s per scenario after ${P.warmup} s warm-up.`),
  );

  const report: Report = {
    date: new Date().toISOString(),
    smoke,
    machine,
    params: { ...P, rateLimitPerMinute: 100000, argon2: argonCost },
    floors: {},
    app: {},
    peers: {},
    targets: [],
  };
  const loadOpts: HttpLoadOptions = {
    connections: P.connections,
    warmupSeconds: P.warmup,
    seconds: P.seconds,
    counters: () => commandCounts(redis),
  };
  /** What Redis (the app's, or a peer's) and the SMTP server did between two points (commands, CPU, mail). */
  const snapshot = async (client: Redis = redis) => ({
    at: performance.now(),
    cmds: await commandCounts(client),
    redisCpu: await redisCpuSeconds(client),
    mails: smtp.received,
    mailBytes: smtp.bytes,
    smtpConnections: smtp.connections,
  });
  type Snapshot = Awaited<ReturnType<typeof snapshot>>;
  const since = (a: Snapshot, b: Snapshot, flows: number) => {
    const perFlow: Record<string, number> = {};
    let total = 0;
    for (const [k, v] of Object.entries(b.cmds)) {
      const d = v - (a.cmds[k] ?? 0);
      total += d;
      if (d > 0) perFlow[k] = round(d / flows, 2);
    }
    return {
      redisCommandsPerSignIn: round(total / flows, 1),
      redisCommandsPerSignInByName: perFlow,
      redisCores: round((b.redisCpu - a.redisCpu) / ((b.at - a.at) / 1000), 2),
      mailBytesAvg: Math.round((b.mailBytes - a.mailBytes) / Math.max(1, b.mails - a.mails)),
      smtpConnectionsOpened: b.smtpConnections - a.smtpConnections,
    };
  };
  const emailSeq = { n: 0, tag: randomBytes(3).toString('hex') };
  const nextEmail = (kind = 'e') => `${kind}o.${emailSeq.tag}.${emailSeq.n++}@example.com`;

  const running: Server[] = [];
  const peers: PeerRun[] = [];
  try {
    // The peers first: installed on first use, each with a redis-server of its own (same cores as
    // the app's), pinned like the app, signed in once for the page scenarios.
    const measurePeers = withPeers && ['home', 'email', 'memory', 'anonymous'].some(runs);
    // Every install before any measurement, at once: the chart's too (it is drawn at the end).
    const installs = new Map(
      [...(measurePeers ? PEERS.map(peerDir) : []), CHART_DIR].map((dir) => [dir, ensureInstalled(dir, log)]),
    );
    chartMissing = await installs.get(CHART_DIR);
    if (measurePeers) {
      for (const spec of PEERS) {
        const run = await startPeerRun(report, spec, smtp, nextEmail, await installs.get(peerDir(spec)));
        if (run) peers.push(run);
      }
    } else if (!withPeers) log('peers: not measured (--no-peers)');

    // The app in email mode serves scenarios 2, 3, 5 and 6.
    let app: AppServer | undefined;
    let cookie = '';
    let template = '';
    let templateTtl = 0;
    if (runs('home') || runs('email') || runs('memory') || runs('sessions') || runs('anonymous')) {
      log('starting the app: AUTH_FIRST_FACTOR=email, AUTH_SIGNUP=open');
      app = await startApp('email', { ...baseEnv, AUTH_FIRST_FACTOR: 'email' }, serverCpus, { cpuProfDir });
      running.push(app);
      // One signed-in browser: its cookie for GET /home, its record the template of seeded sessions.
      const one = await signInLoad({ port: app.port, smtp, users: 1, count: 1, nextEmail });
      if (one.errors || !one.lastCookie) throw new Error(`the first sign-in failed: ${one.errorSamples.join('; ')}`);
      cookie = one.lastCookie;
      const sid = sessionIdFromCookie(cookie);
      template = (await redis.get(`sess:${sid}`)) ?? '';
      templateTtl = await redis.ttl(`sess:${sid}`);
      if (!template) throw new Error(`no sess:${sid} in Redis after signing in`);
      report.app.sessionRecord = {
        json: template,
        bytes: Number(await redis.memoryUsage(`sess:${sid}`, { SAMPLES: 0 })),
        ttl: templateTtl,
      };
      report.app.trace = await traceSignIn(app, redis, redisServer.port, smtp, nextEmail());
      // A browser keeps the page's CSRF cookie too: without it every page view would be sent a new one.
      cookie = await withCsrfCookie(app.port, cookie);
    }

    // 1 + 2: the floors and the protected page, measured in turn.
    if (runs('home') && app) {
      log('starting the floors: node:http, and Express + express-session + connect-redis');
      const httpFloor = await startFloor('http-floor', {}, serverCpus);
      running.push(httpFloor);
      const expressFloor = await startFloor(
        'express-floor',
        { REDIS_URL: redisServer.url, SESSION_SECRET: sessionSecret },
        serverCpus,
      );
      running.push(expressFloor);
      const c = new BenchClient(expressFloor.port);
      const login = await c.get('/login');
      const probe = await c.get('/');
      c.close();
      if (login.status !== 200 || probe.status !== 200)
        throw new Error(`express floor: no session (${login.status}, ${probe.status})`);
      const targets: HttpTarget[] = [
        { name: 'http', port: httpFloor.port, path: '/', probe: httpFloor },
        { name: 'express', port: expressFloor.port, path: '/', headers: { cookie: c.cookie }, probe: expressFloor },
        { name: 'home', port: app.port, path: '/home', headers: { cookie, accept: 'text/html' }, probe: app },
        { name: 'me', port: app.port, path: '/me', headers: { cookie, accept: 'application/json' }, probe: app },
      ];
      // Where the app's cost goes, from routes it already has: no session; session + guard + JSON; the page.
      if (!smoke) {
        targets.push({
          name: 'live',
          port: app.port,
          path: '/health/live',
          headers: { accept: 'application/json' },
          probe: app,
        });
      }
      for (const p of peers) {
        const peerTarget = (path: string, accept: string): HttpTarget => ({
          name: `${p.spec.id} ${path}`,
          port: p.server.port,
          path,
          headers: { cookie: p.cookie, accept },
          probe: p.server,
          counters: () => commandCounts(p.redis),
        });
        targets.push(peerTarget('/home', 'text/html'));
        if (p.spec.mePath) targets.push(peerTarget(p.spec.mePath, 'application/json'));
      }
      log(
        `floors, GET /home and GET /me${smoke ? '' : ' (+ /health/live to split their cost)'}` +
          `${peers.length ? `, and the same of ${peers.map((p) => p.spec.label).join(' and ')}` : ''}: ` +
          `${P.connections} connections, ${P.warmup} s warm-up each, then ${P.seconds} s each in ${P.slices} turns of ${round(P.seconds / P.slices, 1)} s`,
      );
      const r = await httpLoad(targets, { ...loadOpts, slices: P.slices });
      report.floors.http = r.http;
      report.floors.expressSession = r.express;
      report.app.home = r.home;
      report.app.me = r.me;
      if (r.live) report.app.breakdown = { live: r.live };
      check('floor node:http', report.floors.http);
      check('floor express+session', report.floors.expressSession);
      check('GET /home', report.app.home);
      check('GET /me', report.app.me);
      for (const p of peers) {
        const pr = report.peers[p.spec.id]!;
        pr.home = r[`${p.spec.id} /home`];
        check(`${p.spec.label} GET /home`, pr.home);
        if (p.spec.mePath) {
          pr.me = r[`${p.spec.id} ${p.spec.mePath}`];
          check(`${p.spec.label} GET ${p.spec.mePath}`, pr.me);
        }
      }
      await httpFloor.stop();
      await expressFloor.stop();
    }

    // New visitors' page views: what the sign-in page and error pages cost each server's Redis.
    if (runs('anonymous') && app) {
      // Email mode: /register is a 404 page there, like any unknown path.
      const servers = [
        {
          label: 'the app',
          port: app.port,
          redis,
          redisPort: redisServer.port,
          paths: { '/auth': 200, '/register': 404, '/no-such-page': 404 },
          sessionCookies: ['sid', '__Host-sid'],
          into: report.app,
        },
        ...peers.map((p) => ({
          label: p.spec.label,
          port: p.server.port,
          redis: p.redis,
          redisPort: p.redisPort,
          paths: p.spec.anonymousPaths,
          sessionCookies: [p.flow.cookieName],
          into: report.peers[p.spec.id]!,
        })),
      ];
      for (const { label, into, ...server } of servers) {
        log(
          `${label}: anonymous page views, ${P.anonymousViews.toLocaleString('en')} new visitors of ` +
            Object.keys(server.paths).join(', '),
        );
        const r = await anonymousViews({ ...server, count: P.anonymousViews, users: P.users });
        into.anonymous = r;
        check(`${label} anonymous page views`, r);
      }
    }

    // 3: email-mode sign-ins.
    if (runs('email') && app) {
      log(`email-mode sign-ins: ${P.users} users, ${P.warmup} s warm-up, ${P.seconds} s`);
      const a = app;
      let s0: Snapshot | undefined;
      const r = await signInLoad({
        port: a.port,
        smtp,
        users: P.users,
        nextEmail,
        warmupSeconds: P.warmup,
        seconds: P.seconds,
        onWindowStart: async () => {
          await a.probeReset();
          s0 = await snapshot();
        },
      });
      const probe = await a.probeReport();
      const { lastCookie: _drop, ...rest } = r;
      report.app.emailSignIns = { ...rest, probe, ...since(s0!, await snapshot(), r.signIns) };
      check('email sign-ins', r);
      for (const p of peers) {
        log(`${p.spec.label}: email sign-ins, ${P.users} users, ${P.warmup} s warm-up, ${P.seconds} s`);
        let p0: Snapshot | undefined;
        const pr = await signInLoad({
          port: p.server.port,
          smtp,
          users: P.users,
          nextEmail,
          flow: p.flow,
          warmupSeconds: P.warmup,
          seconds: P.seconds,
          onWindowStart: async () => {
            await p.server.probeReset();
            p0 = await snapshot(p.redis);
          },
        });
        const peerProbe = await p.server.probeReport();
        const { lastCookie: _last, ...peerRest } = pr;
        report.peers[p.spec.id]!.emailSignIns = {
          ...peerRest,
          probe: peerProbe,
          ...since(p0!, await snapshot(p.redis), pr.signIns),
        };
        check(`${p.spec.label} email sign-ins`, pr);
      }
    }

    // 5: Redis memory left by new accounts' first sign-ins.
    if (runs('memory') && app) {
      await redis.flushAll();
      const before = await settle(redis, smtp);
      log(`Redis memory: ${P.memorySignIns.toLocaleString('en')} email-mode sign-ins of new accounts`);
      const s0 = await snapshot();
      const r = await signInLoad({
        port: app.port,
        smtp,
        users: P.users,
        nextEmail: () => nextEmail('m'),
        count: P.memorySignIns,
      });
      const s1 = await snapshot();
      check('memory sign-ins', r);
      const after = await settle(redis, smtp);
      const keys = await keyCensus(redis, r.signIns);
      report.app.memory = {
        signIns: r.signIns,
        signInsPerSec: r.signInsPerSec,
        usedBefore: before,
        usedAfter: after,
        bytesPerSignIn: Math.round((after - before) / r.signIns),
        sessionRecordBytes: keys.find((k) => k.pattern === 'sess:<id>')?.bytesAvg ?? 0,
        // The record and its entry in the account's session index (`si:<email>`, one per account
        // here, as each sign-in is a new account's only session), as counted for the peers.
        sessionBytes: sessionBytes(keys, APP_SESSION_PATTERNS),
        keys,
        // Exact here: every flow of the run is counted.
        ...since(s0, s1, r.signIns),
      };

      for (const p of peers) {
        await p.redis.flushAll();
        const pBefore = await settle(p.redis, smtp);
        log(`${p.spec.label}: Redis memory, ${P.memorySignIns.toLocaleString('en')} sign-ins of new accounts`);
        const p0 = await snapshot(p.redis);
        const pr = await signInLoad({
          port: p.server.port,
          smtp,
          users: P.users,
          nextEmail: () => nextEmail('m'),
          count: P.memorySignIns,
          flow: p.flow,
        });
        const p1 = await snapshot(p.redis);
        check(`${p.spec.label} memory sign-ins`, pr);
        const pAfter = await settle(p.redis, smtp);
        const pKeys = await keyCensus(p.redis, pr.signIns);
        report.peers[p.spec.id]!.memory = {
          signIns: pr.signIns,
          signInsPerSec: pr.signInsPerSec,
          bytesPerSignIn: Math.round((pAfter - pBefore) / pr.signIns),
          // Each of the session's keys, as many per sign-in as it left.
          sessionBytes: sessionBytes(pKeys, p.spec.sessionPatterns),
          keys: pKeys,
          ...since(p0, p1, pr.signIns),
        };
      }
    }

    // 6: the protected page over few and many live sessions (few, many, few again).
    if (runs('sessions') && app) {
      // Two identical apps, each on its own redis-server: one holding few sessions, one many,
      // measured in turn like the floors, so the machine's background load hits both alike.
      await redis.flushAll();
      const fewServer = await startRedis(redisCpus);
      const fewRedis = await connectRedis(fewServer.url);
      const fewApp = await startApp(
        'email-few',
        { ...baseEnv, AUTH_FIRST_FACTOR: 'email', REDIS_URL: fewServer.url },
        serverCpus,
      );
      running.push(fewApp);
      try {
        const seed = (client: Redis, count: number, tag: string) =>
          seedSessions(client, {
            template,
            ttlSeconds: templateTtl,
            count,
            secret: sessionSecret,
            cookieName: 'sid',
            tag,
          });
        const few = await seed(fewRedis, P.sessionsSmall, 's');
        const t = performance.now();
        const many = await seed(redis, P.sessionsLarge, 'l');
        const seedMs = Math.round(performance.now() - t);
        const [fewKeys, manyKeys] = [await fewRedis.dbSize(), await redis.dbSize()];
        log(
          `GET /home with a random one of ${fewKeys.toLocaleString('en')} vs ${manyKeys.toLocaleString('en')} live sessions ` +
            `(two identical apps, each with its own Redis; ${P.sessionsLarge.toLocaleString('en')} seeded with pipelined SETs in ${seedMs} ms), in turns`,
        );
        const target = (name: string, server: Server, cookies: string[], client: Redis): HttpTarget => ({
          name,
          port: server.port,
          probe: server,
          path: '/home',
          headers: { accept: 'text/html' },
          setupRequest: (req) => {
            req.headers = { ...req.headers, cookie: cookies[Math.floor(Math.random() * cookies.length)] };
            return req;
          },
          counters: () => commandCounts(client),
        });
        const r = await httpLoad([target('few', fewApp, few, fewRedis), target('many', app, many, redis)], {
          ...loadOpts,
          slices: P.slices,
        });
        check('GET /home few sessions', r.few);
        check('GET /home many sessions', r.many);
        report.app.sessions = {
          few: { sessions: fewKeys, ...r.few },
          many: { sessions: manyKeys, ...r.many },
          seedMs,
        };
      } finally {
        await fewApp.stop();
        running.splice(running.indexOf(fewApp), 1);
        await fewRedis.close().catch(() => undefined);
        await fewServer.stop();
      }
    }

    if (app) {
      await app.stop();
      running.splice(running.indexOf(app), 1);
    }

    // 4: password mode.
    if (runs('password')) {
      await redis.flushAll();
      log('starting the app: AUTH_FIRST_FACTOR=password');
      const pw = await startApp('password', { ...baseEnv, AUTH_FIRST_FACTOR: 'password' }, serverCpus, { cpuProfDir });
      running.push(pw);
      const password = 'correct horse battery staple';
      const hash = await argon2.hash(password, {
        type: argon2.argon2id as 2,
        memoryCost: argonCost.memoryKib,
        timeCost: argonCost.iterations,
        parallelism: 1,
      });
      // One verify at the configured cost, alone: the median of a few, in this process.
      const alone = new Samples();
      for (let i = 0; i < (smoke ? 5 : 30); i++) {
        const t = performance.now();
        await argon2.verify(hash, password);
        alone.add(performance.now() - t);
      }
      const pool = Array.from({ length: P.passwordAccounts }, () => nextEmail('p'));
      await seedAccounts(redis, pool, hash);
      let next = 0;
      let exhausted = false;
      let s0: Snapshot | undefined;
      log(
        `password-mode sign-ins: ${P.users} users (${pool.length.toLocaleString('en')} accounts written to Redis first)`,
      );
      const r = await signInLoad({
        port: pw.port,
        smtp,
        users: P.users,
        password,
        nextEmail: () => {
          if (next < pool.length) return pool[next++];
          exhausted = true;
          return undefined;
        },
        warmupSeconds: P.warmup,
        seconds: P.seconds,
        onWindowStart: async () => {
          await pw.probeReset();
          s0 = await snapshot();
        },
      });
      const probe = await pw.probeReport();
      const around = since(s0!, await snapshot(), r.signIns);
      check('password sign-ins', r);
      if (r.errors) log(`app output (last lines):\n${pw.child.output().split('\n').slice(-30).join('\n')}`);
      if (exhausted) errors.push('password sign-ins: the account pool ran out during the run (raise passwordAccounts)');
      const aloneMs = alone.percentile(50);
      const inAppMs = probe.argon2.verifyCalls ? probe.argon2.verifyMs / probe.argon2.verifyCalls : Number.NaN;
      const { lastCookie: _drop, ...rest } = r;
      report.app.passwordSignIns = {
        ...rest,
        probe,
        ...around,
        argon2VerifyAloneMs: round(aloneMs),
        argon2VerifyInAppMs: round(inAppMs),
        // One verify per sign-in (POST /auth): its cost alone over the mean flow time.
        hashShareIsolated: round(aloneMs / r.flow.mean, 3),
        // The verify's wall time as the app saw it (thread-pool queueing included) over the mean flow time.
        hashShareInApp: round(inAppMs / r.flow.mean, 3),
        // The hashing's CPU (cost alone x calls) over the app process's CPU time.
        hashShareOfAppCpu: round((probe.argon2.verifyCalls * aloneMs) / probe.cpuMs, 3),
      };

      // A new account's first sign-in in password mode: register, code, verify, page.
      const before = await settle(redis, smtp);
      log(`password-mode sign-ups (POST /register, code, verify, page) for memory: ${P.passwordSignUps}`);
      const firstSignUp = nextEmail('r');
      let first = true;
      const su = await signInLoad({
        port: pw.port,
        smtp,
        users: Math.min(P.users, P.passwordSignUps),
        password,
        startPath: '/register',
        nextEmail: () => (first ? ((first = false), firstSignUp) : nextEmail('r')),
        count: P.passwordSignUps,
      });
      check('password sign-ups', su);
      const after = await settle(redis, smtp);
      report.app.passwordSignUpMemory = {
        signUps: su.signIns,
        bytesPerSignUp: Math.round((after - before) / su.signIns),
        accountBytes: Number(await redis.memoryUsage(`user:${firstSignUp}`, { SAMPLES: 0 })),
      };
      await pw.stop();
      running.splice(running.indexOf(pw), 1);
    }
  } finally {
    for (const s of running) await s.stop().catch(() => undefined);
    for (const p of peers) await p.stop();
    await redis.close().catch(() => undefined);
    await smtp.stop();
    await redisServer.stop();
  }

  if (smtp.unreadable > 0) {
    errors.push(
      `${smtp.unreadable} mails without a code the bench could read; the last one:\n${smtp.lastUnreadable.slice(0, 2000)}`,
    );
  }
  report.durationSeconds = round((performance.now() - started) / 1000, 1);
  report.machine.loadAverageAtEnd = os
    .loadavg()
    .map((l) => round(l, 2))
    .join(' ');
  report.errors = errors;
  printReport(report);
  writeResults(report);
  return errors.length ? 1 : 0;
}

/**
 * Writes the run: its JSON, the comparison as a markdown table, and one SVG chart per figure
 * rendered from the JSON by bench/chart/render.mjs. A full run writes them under bench/results/
 * (git-ignored), a smoke run to a temporary folder, `--docs` the table into docs/benchmarks.md
 * (between its bench:comparison markers) and the charts to docs/benchmarks/.
 */
function writeResults(report: Report): void {
  const tmp = join(os.tmpdir(), `bench-${process.pid}`);
  const results = resolve(ROOT, 'bench/results');
  const json = jsonFile ? resolve(cwd, jsonFile) : smoke ? join(tmp, 'run.json') : join(results, 'latest.json');
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  log(`JSON written to ${json}`);

  const table = comparisonMarkdown(report, report.comparison!);
  if (publish) {
    const doc = resolve(ROOT, 'docs/benchmarks.md');
    const text = readFileSync(doc, 'utf8');
    const re = /(<!-- bench:comparison:start -->\n)[\s\S]*?(<!-- bench:comparison:end -->)/;
    if (!re.test(text)) errors.push(`${doc} has no bench:comparison markers: the table was not written`);
    else {
      writeFileSync(
        doc,
        text.replace(re, (_m, start: string, end: string) => `${start}${table}${end}`),
      );
      log(`comparison table written into ${doc}`);
    }
  } else {
    const md = smoke ? join(tmp, 'comparison.md') : join(results, 'latest.md');
    mkdirSync(dirname(md), { recursive: true });
    writeFileSync(md, table);
    log(`comparison table written to ${md}`);
  }

  const chartDir = publish ? resolve(ROOT, 'docs/benchmarks') : smoke ? join(tmp, 'charts') : join(results, 'charts');
  if (chartMissing) {
    log(`charts: SKIPPED: ${chartMissing}`);
    return;
  }
  const r = spawnSync(process.execPath, [join(CHART_DIR, 'render.mjs'), json, chartDir], { encoding: 'utf8' });
  if (r.status !== 0) errors.push(`charts: render.mjs failed: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  else log(`charts: ${r.stdout.trim().split('\n').length} SVGs written to ${chartDir}`);
}

/** The Redis round trips of each request of one email-mode sign-in, from MONITOR (nothing else runs meanwhile). */
async function traceSignIn(app: AppServer, redis: Redis, redisPort: number, smtp: SmtpSink, email: string) {
  const mon = await RedisMonitor.start(redisPort);
  const c = new BenchClient(app.port);
  const out: NonNullable<Report['app']['trace']> = [];
  const step = async (name: string, fn: () => Promise<{ status: number }>) => {
    mon.take();
    const r = await fn();
    await sleep(100);
    // The in-process mail worker may run during a step: its commands are listed apart.
    const workers = workerAddresses(await redis.sendCommand<string>(['CLIENT', 'LIST']));
    const { request, worker } = splitByWorker(mon.take(), workers);
    out.push({
      step: name,
      status: r.status,
      ...roundTrips(request),
      ...(worker.length ? { worker: roundTrips(worker) } : {}),
    });
  };
  try {
    await step('POST /auth', () => c.postJson('/auth', { email }));
    const { code } = await smtp.code(email);
    await step('POST /verify', () => c.postJson('/verify', { code }));
    await step('GET /home (first: sets the CSRF cookie)', () => c.get('/home'));
    await step('GET /home', () => c.get('/home'));
  } finally {
    c.close();
    mon.stop();
  }
  return out;
}

/** `cookie` plus the CSRF cookie that `GET /home` sets for it. */
async function withCsrfCookie(port: number, cookie: string): Promise<string> {
  const c = new BenchClient(port);
  c.cookie = cookie;
  try {
    const page = await c.get('/home');
    const csrf = page.setCookie.find((line) => line.startsWith('csrf='))?.split(';', 1)[0];
    return csrf ? `${cookie}; ${csrf}` : cookie;
  } finally {
    c.close();
  }
}

/** A peer under measurement: its server, its own redis-server, a signed-in cookie. */
interface PeerRun {
  spec: PeerSpec;
  flow: SignInFlow;
  server: Server;
  redis: Redis;
  /** Its redis-server's port (for MONITOR). */
  redisPort: number;
  cookie: string;
  stop(): Promise<void>;
}

/**
 * Installs (first use), starts and signs in once to a peer. Resolves to undefined, with the reason
 * printed and kept in the report, when a dependency is missing (its packages cannot be installed,
 * its database cannot be reached); a peer that starts but fails its first sign-in is an error.
 */
async function startPeerRun(
  report: Report,
  spec: PeerSpec,
  smtp: SmtpSink,
  nextEmail: () => string,
  missing: string | undefined,
): Promise<PeerRun | undefined> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const entry: PeerReport = {
    label: spec.label,
    storage: spec.storage({ redisUrl: '', smtpUrl: '', secret: '', databaseUrl }),
  };
  report.peers[spec.id] = entry;
  const skip = (why: string) => {
    entry.skipped = why;
    log(`${spec.label}: SKIPPED: ${why}`);
    return undefined;
  };
  const dir = peerDir(spec);
  if (missing) return skip(missing);
  let redisServer: RedisServer | undefined;
  let client: Redis | undefined;
  let server: Server | undefined;
  const stop = async () => {
    await server?.stop().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await redisServer?.stop();
  };
  try {
    redisServer = await startRedis(redisCpus);
    client = await connectRedis(redisServer.url);
    const env = spec.env({
      redisUrl: redisServer.url,
      smtpUrl: smtp.url,
      secret: randomBytes(32).toString('base64url'),
      databaseUrl,
    });
    log(`starting ${spec.label} (${entry.storage})`);
    server = await startPeer(spec.id, dir, env, spec.healthPath, serverCpus);
  } catch (err) {
    await stop();
    const msg = err instanceof Error ? err.message : String(err);
    return skip(`did not start: ${msg.split('\n').slice(0, 6).join(' / ').slice(0, 600)}`);
  }
  const flow = spec.flow(server.port);
  const one = await signInLoad({ port: server.port, smtp, users: 1, count: 1, nextEmail, flow });
  if (one.errors || !one.lastCookie) {
    errors.push(`${spec.label}: the first sign-in failed: ${one.errorSamples.join('; ')}`);
    await stop();
    return skip('its first sign-in failed (see ERRORS)');
  }
  return { spec, flow, server, redis: client, redisPort: redisServer.port, cookie: one.lastCookie, stop };
}

/** Lets the last deliveries and writes land; returns Redis used_memory. */
async function settle(redis: Redis, smtp: SmtpSink): Promise<number> {
  await sleep(300);
  smtp.clear();
  return usedMemory(redis);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
