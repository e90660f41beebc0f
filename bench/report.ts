import { buildComparison, type Comparison, comparisonRows, cpuPerSignIn } from './comparison.js';
import type { ProbeReport } from './eventloop-probe.js';
import type { AnonymousViewsResult } from './lib/anonymous-views.js';
import type { HttpLoadResult } from './lib/load.js';
import type { KeyPattern } from './lib/redis-tools.js';
import type { SignInLoadResult } from './lib/signin-load.js';
import { round } from './lib/stats.js';

/** What Redis and the SMTP server did over a sign-in run. */
interface Around {
  redisCommandsPerSignIn: number;
  redisCommandsPerSignInByName: Record<string, number>;
  redisCores: number;
  mailBytesAvg: number;
  smtpConnectionsOpened: number;
}
export type SignIns = Omit<SignInLoadResult, 'lastCookie'> & { probe: ProbeReport } & Around;
/** A load run with the server's CPU time per request (all its threads, from the probe). */
export type Measured = HttpLoadResult;
type WithSessions = HttpLoadResult & { sessions: number };

/** Redis round trips of one request (or of the mail worker meanwhile), from MONITOR. */
interface TraceStep {
  roundTrips: number;
  scriptCalls: number;
  sequence: string;
}

export interface Report {
  date: string;
  smoke: boolean;
  machine: Record<string, string | number>;
  params: Record<string, unknown>;
  durationSeconds?: number;
  errors?: string[];
  floors: { http?: Measured; expressSession?: Measured };
  app: {
    sessionRecord?: { json: string; bytes: number; ttl: number };
    home?: Measured;
    /** Redis round trips of each request of one sign-in (MONITOR). */
    trace?: (TraceStep & {
      step: string;
      status: number;
      /** The mail worker's commands during the step (it runs in the app's process, after the answer). */
      worker?: TraceStep;
    })[];
    /** The app's own cheaper routes, measured with /home: where its cost goes. */
    /** GET /me: the session, the guard and a JSON answer. */
    me?: Measured;
    /** The app's own cheaper routes, measured with /home: where its cost goes. */
    breakdown?: { live: Measured };
    emailSignIns?: SignIns;
    /** New visitors' page views (no cookie): what they cost Redis. */
    anonymous?: AnonymousViewsResult;
    memory?: {
      signIns: number;
      signInsPerSec: number;
      usedBefore: number;
      usedAfter: number;
      bytesPerSignIn: number;
      sessionRecordBytes: number;
      /** The record and its session-index entry (`si:<email>`), as many of each as one sign-in leaves (absent in older reports). */
      sessionBytes?: number;
      keys: KeyPattern[];
    } & Around;
    sessions?: { few: WithSessions; many: WithSessions; seedMs: number };
    passwordSignIns?: SignIns & {
      argon2VerifyAloneMs: number;
      argon2VerifyInAppMs: number;
      hashShareIsolated: number;
      hashShareInApp: number;
      hashShareOfAppCpu: number;
    };
    passwordSignUpMemory?: { signUps: number; bytesPerSignUp: number; accountBytes: number };
  };
  /** The peers, measured through the same driver and scenarios, each with a Redis of its own. */
  peers: Partial<Record<'tutorial' | 'betterAuth', PeerReport>>;
  /** Every compared figure per server, for the table and the charts. */
  comparison?: Comparison;
  targets: Target[];
}

export interface PeerReport {
  label: string;
  /** Where its accounts live in this run. */
  storage: string;
  /** Why it was not measured (a dependency missing). */
  skipped?: string;
  home?: Measured;
  me?: Measured;
  emailSignIns?: SignIns;
  memory?: {
    signIns: number;
    signInsPerSec: number;
    bytesPerSignIn: number;
    /** `MEMORY USAGE` of the keys one signed-in session is made of, summed. */
    sessionBytes: number;
    keys: KeyPattern[];
  } & Around;
  anonymous?: AnonymousViewsResult;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
  gap?: string;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? '-'
    : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const x = (a: number | undefined, b: number | undefined) => (a && b ? `${fmt(a / b, 2)}×` : '-');
const pct = (n: number) => `${fmt(n * 100, 1)} %`;

function table(head: string[], rows: (string | number)[][], align: ('l' | 'r')[]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A target whose figure was not measured in this run. */
const notRun = (name: string, target: string): Target => ({ name, target, measured: '-', met: null });

/** A ratio target: `a` at least `min` times `b` (both rates). */
function ratioTarget(name: string, a: number | undefined, b: number | undefined, min: number, what: string): Target {
  const target = `≥ ${fmt(min, 2)}× ${what}`;
  if (!a || !b) return notRun(name, target);
  const ratio = a / b;
  return {
    name,
    target,
    measured: `${fmt(ratio, 2)}× (${fmt(a, a < 1000 ? 1 : 0)} vs ${fmt(b, b < 1000 ? 1 : 0)})`,
    met: ratio >= min,
    gap: ratio >= min ? '' : `${fmt((1 - ratio / min) * 100, 0)} % short (${fmt(b * min, b < 1000 ? 1 : 0)} needed)`,
  };
}

/** A ceiling target in bytes, keys or ms. */
function atMost(name: string, value: number | undefined, max: number, unit: string): Target {
  const target = `≤ ${fmt(max)} ${unit}`;
  if (value === undefined) return notRun(name, target);
  return {
    name,
    target,
    measured: `${fmt(value, Number.isInteger(value) ? 0 : 2)} ${unit}`,
    met: value <= max,
    gap: value <= max ? '' : `${fmt(value - max, Number.isInteger(value) ? 0 : 2)} ${unit} over`,
  };
}

/** No command, no key, no session cookie for a new visitor's page views. */
function anonymousTarget(a: AnonymousViewsResult | undefined): Target {
  const name = 'Redis per anonymous page view (sign-in page, error pages)';
  const target = '0 B: no command, no key, no session cookie';
  if (!a) return notRun(name, target);
  const met = a.commands === 0 && a.newKeys === 0 && a.sessionCookies === 0;
  return {
    name,
    target,
    measured:
      `${fmt(a.newKeyBytes / a.views, 1)} B, ${fmt(a.commands / a.views, 2)} commands, ${fmt(a.newKeys)} new keys, ` +
      `${fmt(a.sessionCookies)} session cookies over ${fmt(a.views)} views`,
    met,
    gap: met ? '' : a.commandSamples.join(', ') || `${a.newKeys} keys, ${a.sessionCookies} session cookies`,
  };
}

/** Evaluates the performance targets (ratios to the floor and the peers of the same run) against a run. */
export function evaluateTargets(r: Report): Target[] {
  const t: Target[] = [];
  const floor = r.floors.expressSession;
  const home = r.app.home;
  const tut = r.peers.tutorial;
  const ba = r.peers.betterAuth;

  const homeName = 'GET /home signed in vs the tutorial';
  if (home && tut?.home) {
    const rate = ratioTarget(homeName, home.reqPerSec, tut.home.reqPerSec, 1.3, "the tutorial's req/s");
    const okP99 = home.latency.p99 <= tut.home.latency.p99;
    t.push({
      ...rate,
      target: `${rate.target}, p99 ≤ its`,
      measured: `${rate.measured}; p99 ${fmt(home.latency.p99, 2)} vs ${fmt(tut.home.latency.p99, 2)} ms`,
      met: Boolean(rate.met) && okP99,
      gap: [rate.gap, okP99 ? '' : `p99 ${fmt(home.latency.p99 - tut.home.latency.p99, 2)} ms over`]
        .filter(Boolean)
        .join('; '),
    });
  } else t.push(notRun(homeName, "≥ 1.30× the tutorial's req/s, p99 ≤ its"));
  t.push(
    ratioTarget(
      'GET /me signed in vs the Express + session floor',
      r.app.me?.reqPerSec,
      floor?.reqPerSec,
      1.4,
      'req/s',
    ),
  );

  const e = r.app.emailSignIns;
  const signName = 'email sign-ins, 20 users, vs the tutorial';
  const signTarget = "≥ 1.00× the tutorial's rate, 0 errors, flow p99 < 150 ms";
  if (e && tut?.emailSignIns) {
    const rate = ratioTarget(signName, e.signInsPerSec, tut.emailSignIns.signInsPerSec, 1, '');
    const okP99 = e.flow.p99 < 150;
    const okErr = e.errors === 0;
    t.push({
      name: signName,
      target: signTarget,
      measured: `${rate.measured}; p99 ${fmt(e.flow.p99, 1)} ms; ${e.errors} errors`,
      met: Boolean(rate.met) && okP99 && okErr,
      gap: [rate.gap, okP99 ? '' : `p99 ${fmt(e.flow.p99 - 150, 1)} ms over`, okErr ? '' : `${e.errors} errors`]
        .filter(Boolean)
        .join('; '),
    });
  } else t.push(notRun(signName, signTarget));

  t.push(ratioTarget('GET /home vs Better Auth', home?.reqPerSec, ba?.home?.reqPerSec, 2, "Better Auth's req/s"));
  t.push(ratioTarget('GET /me vs Better Auth', r.app.me?.reqPerSec, ba?.me?.reqPerSec, 2, "Better Auth's req/s"));
  t.push(
    ratioTarget(
      'email sign-ins vs Better Auth',
      e?.signInsPerSec,
      ba?.emailSignIns?.signInsPerSec,
      2,
      "Better Auth's rate",
    ),
  );

  const m = r.app.memory;
  t.push(
    atMost(
      m?.sessionBytes === undefined
        ? 'Redis per signed-in session (the record alone: the memory run did not run)'
        : 'Redis per signed-in session (record + index entries)',
      m?.sessionBytes ?? r.app.sessionRecord?.bytes,
      256,
      'B',
    ),
  );
  t.push(atMost("Redis per new account's first sign-in (email mode)", m?.bytesPerSignIn, 640, 'B'));
  t.push(anonymousTarget(r.app.anonymous));

  const s = r.app.sessions;
  if (s) {
    const fewRate = s.few.reqPerSec;
    const loss = 1 - s.many.reqPerSec / fewRate;
    t.push({
      name: `${fmt(s.many.sessions)} vs ${fmt(s.few.sessions)} live sessions`,
      target: '< 10 % throughput loss',
      measured: `${fmt(loss * 100, 1)} % (${fmt(s.many.reqPerSec)} vs ${fmt(fewRate)} req/s)`,
      met: loss < 0.1,
      gap: loss < 0.1 ? '' : `${fmt((loss - 0.1) * 100, 1)} points over`,
    });
  } else t.push(notRun('many vs few live sessions', '< 10 % throughput loss'));
  if (e) {
    const eld = e.probe.eventLoop.p99;
    t.push({
      name: 'event-loop delay p99 during sign-in load',
      target: '< 20 ms',
      measured: `${fmt(eld, 2)} ms (max ${fmt(e.probe.eventLoop.max, 1)} ms)`,
      met: eld < 20,
      gap: eld < 20 ? '' : `${fmt(eld - 20, 2)} ms over`,
    });
  } else t.push(notRun('event-loop delay p99 during sign-in load', '< 20 ms'));
  return t;
}

export function printReport(r: Report): void {
  r.targets = evaluateTargets(r);
  r.comparison = buildComparison(r);
  const out: string[] = [
    `${r.machine.cpu}, ${r.machine.nproc} cores, ${r.machine.memoryGiB} GiB; Node ${r.machine.node}; Redis ${r.machine.redis}; ${r.date}`,
    `pinning: ${r.machine.pinning}`,
    '',
  ];
  const H = r.floors.http;
  const F = r.floors.expressSession;
  const rows: (string | number)[][] = [];
  const httpRow = (name: string, l: Measured | undefined) => {
    if (!l) return;
    rows.push([
      name,
      `${fmt(l.reqPerSec)} req/s`,
      l.sliceReqPerSec.length > 1 ? `${fmt(Math.min(...l.sliceReqPerSec))}–${fmt(Math.max(...l.sliceReqPerSec))}` : '-',
      fmt(l.latency.p50, 2),
      fmt(l.latency.p99, 2),
      x(l.reqPerSec, F?.reqPerSec),
      x(l.latency.p99, F?.latency.p99),
      x(l.reqPerSec, H?.reqPerSec),
      fmt(l.cpuMsPerRequest, 3),
      fmt(l.bytesPerResponse),
      Object.entries(l.perRequest ?? {})
        .map(([c, n]) => `${c} ${fmt(n, 2)}`)
        .join(', ') || '-',
      l.errors,
    ]);
  };
  httpRow('floor: node:http "ok"', H);
  httpRow('floor: express + session (GET + touch)', F);
  httpRow('GET /home, signed in (one session)', r.app.home);
  if (r.app.breakdown) httpRow('  app: GET /health/live (no session)', r.app.breakdown.live);
  httpRow('  app: GET /me (session, guard, JSON)', r.app.me);
  for (const p of Object.values(r.peers)) {
    httpRow(`${p.label}: GET /home, signed in`, p.home);
    httpRow(`${p.label}: GET /me, signed in`, p.me);
  }
  if (r.app.sessions) {
    const s = r.app.sessions;
    httpRow(`GET /home, ${fmt(s.few.sessions)} sessions (random one)`, s.few);
    httpRow(`GET /home, ${fmt(s.many.sessions)} sessions (random one)`, s.many);
  }
  const flowRow = (name: string, s: SignIns | undefined) => {
    if (!s) return;
    rows.push([
      name,
      `${fmt(s.signInsPerSec, 1)} /s`,
      '-',
      fmt(s.flow.p50, 1),
      fmt(s.flow.p99, 1),
      '-',
      '-',
      '-',
      fmt(cpuPerSignIn(s), 2),
      '-',
      `${fmt(s.redisCommandsPerSignIn, 0)} per sign-in (scripts' inside)`,
      s.errors,
    ]);
  };
  flowRow('email sign-ins, whole flow', r.app.emailSignIns);
  for (const p of Object.values(r.peers)) flowRow(`${p.label}: email sign-ins`, p.emailSignIns);
  flowRow('password sign-ins, whole flow', r.app.passwordSignIns);
  out.push(
    table(
      [
        'scenario',
        'rate',
        'turns min–max',
        'p50 ms',
        'p99 ms',
        'rate/express',
        'p99/express',
        'rate/http',
        'server CPU ms/req',
        'B/answer',
        'Redis cmds/request',
        'errors',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
    ),
  );

  const stepRows: (string | number)[][] = [];
  for (const [name, s] of [
    ['email', r.app.emailSignIns],
    ['password', r.app.passwordSignIns],
    ...Object.values(r.peers).map((p) => [p.label, p.emailSignIns] as const),
  ] as const) {
    if (!s) continue;
    const st = s.steps;
    stepRows.push([
      name,
      `${fmt(st.start.p50, 1)} / ${fmt(st.start.p99, 1)}`,
      `${fmt(st.mailWait.p50, 1)} / ${fmt(st.mailWait.p99, 1)}`,
      `${fmt(st.verify.p50, 1)} / ${fmt(st.verify.p99, 1)}`,
      `${fmt(st.home.p50, 1)} / ${fmt(st.home.p99, 1)}`,
      `${fmt(s.probe.eventLoop.p50, 2)} / ${fmt(s.probe.eventLoop.p99, 2)} / ${fmt(s.probe.eventLoop.max, 1)}`,
      `${fmt(s.probe.cpuMs / s.probe.wallMs, 2)}`,
      fmt(s.loadGeneratorCores, 2),
      fmt(s.redisCores, 2),
      fmt(s.smtpConnectionsOpened),
    ]);
  }
  if (stepRows.length) {
    out.push(
      '',
      "Sign-in steps, p50 / p99 ms (start = POST /auth; mail wait = from its answer to the code received), the app's event loop, and CPU in cores",
      table(
        [
          'flow',
          'start',
          'mail wait',
          'POST /verify',
          'GET /home',
          'app loop delay p50/p99/max ms',
          'app',
          'load gen + SMTP',
          'redis',
          'SMTP conns opened',
        ],
        stepRows,
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
  }

  if (r.app.trace) {
    out.push(
      '',
      'Redis round trips of one email-mode sign-in, request by request (MONITOR; script-internal commands not counted as trips)',
      table(
        ['request', 'status', 'round trips', 'in scripts', 'sequence'],
        r.app.trace.flatMap((t) => [
          [t.step, t.status, t.roundTrips, t.scriptCalls, t.sequence],
          ...(t.worker
            ? [['  the mail worker meanwhile', '', t.worker.roundTrips, t.worker.scriptCalls, t.worker.sequence]]
            : []),
        ]),
        ['l', 'r', 'r', 'r', 'l'],
      ),
    );
  }

  const p = r.app.passwordSignIns;
  if (p) {
    out.push(
      '',
      `Password hashing (argon2id ${(r.params.argon2 as { memoryKib: number }).memoryKib} KiB, ${(r.params.argon2 as { iterations: number }).iterations} passes): ` +
        `verify alone ${fmt(p.argon2VerifyAloneMs, 1)} ms, in the app under load ${fmt(p.argon2VerifyInAppMs, 1)} ms (thread-pool wait included); ` +
        `share of the flow ${pct(p.hashShareIsolated)} (alone cost) / ${pct(p.hashShareInApp)} (in-app wall); ` +
        `share of the app's CPU ${pct(p.hashShareOfAppCpu)}`,
    );
  }

  const m = r.app.memory;
  if (m || r.app.sessionRecord) {
    out.push('');
    if (r.app.sessionRecord) {
      out.push(
        `Session record: MEMORY USAGE ${r.app.sessionRecord.bytes} B, TTL ${r.app.sessionRecord.ttl} s, ` +
          `${r.app.sessionRecord.json.length} B of JSON: ${r.app.sessionRecord.json}`,
      );
    }
    if (m) {
      out.push(
        `Redis after ${fmt(m.signIns)} email-mode sign-ins of new accounts (${fmt(m.signInsPerSec, 1)}/s): used_memory ` +
          `${fmt(m.usedBefore)} -> ${fmt(m.usedAfter)} B = ${fmt(m.bytesPerSignIn)} B per sign-in; session record ${m.sessionRecordBytes} B${m.sessionBytes === undefined ? '' : `, ${m.sessionBytes} B with its index entry`}`,
        `Per sign-in (all ${fmt(m.signIns)} counted): ${fmt(m.redisCommandsPerSignIn, 1)} Redis commands (` +
          Object.entries(m.redisCommandsPerSignInByName)
            .sort((a, b) => b[1] - a[1])
            .map(([c, n]) => `${c} ${fmt(n, 2)}`)
            .join(', ') +
          `), one mail of ${fmt(m.mailBytesAvg)} B; the app opened ${fmt(m.smtpConnectionsOpened)} SMTP connections`,
        table(
          ['key pattern', 'type', 'keys', 'per sign-in', 'TTL s (min..max)', 'MEMORY USAGE avg B'],
          m.keys.map((k) => [
            k.pattern,
            k.type,
            fmt(k.keys),
            fmt(k.perSignIn, 3),
            k.ttlMax < 0 ? 'none' : `${fmt(k.ttlMin)}..${fmt(k.ttlMax)}`,
            fmt(k.bytesAvg),
          ]),
          ['l', 'l', 'r', 'r', 'r', 'r'],
        ),
      );
    }
    if (r.app.passwordSignUpMemory) {
      const pm = r.app.passwordSignUpMemory;
      out.push(
        `Password mode: ${pm.signUps} sign-ups (register, code, verify, page) left ${fmt(pm.bytesPerSignUp)} B each; ` +
          `the account hash alone ${pm.accountBytes} B`,
      );
    }
  }

  const peers = Object.values(r.peers);
  if (peers.length) {
    out.push('', 'Peers, measured in the same run through the same driver, each alone on the same core');
    for (const p of peers) {
      if (p.skipped) {
        out.push(`  ${p.label}: SKIPPED: ${p.skipped}`);
        continue;
      }
      const pm = p.memory;
      out.push(
        `  ${p.label} (${p.storage})` +
          (pm
            ? `: ${fmt(pm.signIns)} sign-ins of new accounts left ${fmt(pm.bytesPerSignIn)} B each, ` +
              `a session ${fmt(pm.sessionBytes)} B; ${fmt(pm.redisCommandsPerSignIn, 1)} Redis commands per sign-in; keys: ` +
              pm.keys.map((k) => `${k.pattern} ${fmt(k.perSignIn, 2)}/sign-in ${fmt(k.bytesAvg)} B`).join(', ')
            : ''),
      );
    }
    const { head, rows } = comparisonRows(r.comparison);
    out.push(
      '',
      table(
        head,
        rows,
        head.map((_, i) => (i === 0 || i === head.length - 1 ? 'l' : 'r')),
      ),
    );
  }
  const anonymous = [
    ['this server', r.app.anonymous] as const,
    ...peers.map((p) => [p.label, p.anonymous] as const),
  ].filter((row): row is readonly [string, AnonymousViewsResult] => row[1] !== undefined);
  if (anonymous.length) {
    out.push(
      '',
      'Anonymous page views: each GET without a cookie (a new visitor), what reached Redis (MONITOR) and what it left',
      table(
        [
          'server',
          'paths (status)',
          'views',
          'Redis commands',
          'new keys',
          'their bytes',
          'session cookies',
          'first commands',
        ],
        anonymous.map(([label, a]) => [
          label,
          Object.entries(a.paths)
            .map(([path, status]) => `${path} (${status})`)
            .join(', '),
          fmt(a.views),
          fmt(a.commands),
          fmt(a.newKeys),
          fmt(a.newKeyBytes),
          fmt(a.sessionCookies),
          a.commandSamples.join(', ') || '-',
        ]),
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
  }

  out.push(
    '',
    'Targets',
    table(
      ['target', 'wanted', 'measured', 'result'],
      r.targets.map((t) => [
        t.name,
        t.target,
        t.measured,
        t.met === null ? 'not run' : t.met ? 'met' : `NOT MET: ${t.gap}`,
      ]),
      ['l', 'l', 'l', 'l'],
    ),
  );
  if (r.errors?.length) out.push('', `ERRORS: ${r.errors.join('; ')}`);
  out.push(
    '',
    `${r.smoke ? 'Smoke run' : 'Run'} took ${fmt(r.durationSeconds, 0)} s; load average before ${r.machine.loadAverageAtStart}, ` +
      `after ${r.machine.loadAverageAtEnd} (this run adds about 1.5; much more means other work shared the machine).`,
  );
  console.log(`\n${out.join('\n')}`);
}

export { round };
