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
type SignIns = Omit<SignInLoadResult, 'lastCookie'> & { probe: ProbeReport } & Around;
/** A load run with the server's CPU time per request (all its threads, from the probe). */
type Measured = HttpLoadResult;
type WithSessions = HttpLoadResult & { sessions: number };

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
    trace?: { step: string; status: number; roundTrips: number; scriptCalls: number; sequence: string }[];
    /** The app's own cheaper routes, measured with /home: where its cost goes. */
    breakdown?: { live: Measured; me: Measured };
    emailSignIns?: SignIns;
    memory?: {
      signIns: number;
      signInsPerSec: number;
      usedBefore: number;
      usedAfter: number;
      bytesPerSignIn: number;
      sessionRecordBytes: number;
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
    /** New visitors' page views (no cookie): what they cost Redis. */
    anonymous?: AnonymousViewsResult;
  };
  targets: Target[];
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

/** Evaluates the targets of issue 4 against a run. */
export function evaluateTargets(r: Report): Target[] {
  const t: Target[] = [];
  const floor = r.floors.expressSession;
  const home = r.app.home;
  if (floor && home) {
    const ratio = home.reqPerSec / floor.reqPerSec;
    const okRate = ratio >= 1.2;
    const okP99 = home.latency.p99 <= floor.latency.p99;
    t.push({
      name: 'protected page vs express+session floor',
      target: '≥ 1.20× req/s, p99 ≤ floor',
      measured:
        `${fmt(ratio, 2)}× req/s; p99 ${fmt(home.latency.p99, 2)} vs ${fmt(floor.latency.p99, 2)} ms` +
        (home.cpuMsPerRequest && floor.cpuMsPerRequest
          ? `; by CPU per request ${fmt(floor.cpuMsPerRequest / home.cpuMsPerRequest, 2)}×`
          : ''),
      met: okRate && okP99,
      gap: [
        okRate
          ? ''
          : `req/s ${fmt((1 - ratio / 1.2) * 100, 0)} % short of 1.2× (${fmt(floor.reqPerSec * 1.2)} needed, ${fmt(home.reqPerSec)} measured)`,
        okP99 ? '' : `p99 ${fmt(home.latency.p99 - floor.latency.p99, 2)} ms over the floor's`,
      ]
        .filter(Boolean)
        .join('; '),
    });
  } else
    t.push({
      name: 'protected page vs express+session floor',
      target: '≥ 1.20× req/s, p99 ≤ floor',
      measured: '-',
      met: null,
    });

  const e = r.app.emailSignIns;
  if (e) {
    const okRate = e.signInsPerSec >= 200;
    const okP99 = e.flow.p99 < 150;
    const okErr = e.errors === 0;
    t.push({
      name: 'email-mode sign-ins, 20 users',
      target: '≥ 200/s, p99 < 150 ms, 0 errors',
      measured: `${fmt(e.signInsPerSec, 1)}/s, p99 ${fmt(e.flow.p99, 1)} ms, ${e.errors} errors`,
      met: okRate && okP99 && okErr,
      gap: [
        okRate ? '' : `${fmt(200 - e.signInsPerSec, 1)}/s short (${fmt((1 - e.signInsPerSec / 200) * 100, 0)} %)`,
        okP99 ? '' : `p99 ${fmt(e.flow.p99 - 150, 1)} ms over`,
        okErr ? '' : `${e.errors} errors`,
      ]
        .filter(Boolean)
        .join('; '),
    });
    const eld = e.probe.eventLoop.p99;
    t.push({
      name: 'event-loop delay p99 during sign-in load',
      target: '< 20 ms',
      measured: `${fmt(eld, 2)} ms (max ${fmt(e.probe.eventLoop.max, 1)} ms)`,
      met: eld < 20,
      gap: eld < 20 ? '' : `${fmt(eld - 20, 2)} ms over`,
    });
  } else {
    t.push({
      name: 'email-mode sign-ins, 20 users',
      target: '≥ 200/s, p99 < 150 ms, 0 errors',
      measured: '-',
      met: null,
    });
    t.push({ name: 'event-loop delay p99 during sign-in load', target: '< 20 ms', measured: '-', met: null });
  }

  const m = r.app.memory;
  const sessBytes = m?.sessionRecordBytes ?? r.app.sessionRecord?.bytes;
  if (sessBytes !== undefined) {
    t.push({
      name: 'Redis per session record (no index kept)',
      target: '≤ 256 B',
      measured: `${sessBytes} B`,
      met: sessBytes <= 256,
      gap: sessBytes <= 256 ? '' : `${sessBytes - 256} B over`,
    });
  } else t.push({ name: 'Redis per session record (no index kept)', target: '≤ 256 B', measured: '-', met: null });
  if (m) {
    t.push({
      name: "Redis per new account's first sign-in (email mode)",
      target: '≤ 1024 B',
      measured: `${m.bytesPerSignIn} B`,
      met: m.bytesPerSignIn <= 1024,
      gap: m.bytesPerSignIn <= 1024 ? '' : `${m.bytesPerSignIn - 1024} B over`,
    });
  } else
    t.push({
      name: "Redis per new account's first sign-in (email mode)",
      target: '≤ 1024 B',
      measured: '-',
      met: null,
    });
  const pm = r.app.passwordSignUpMemory;
  if (pm) {
    t.push({
      name: "Redis per new account's first sign-in (password mode)",
      target: '≤ 1024 B',
      measured: `${pm.bytesPerSignUp} B`,
      met: pm.bytesPerSignUp <= 1024,
      gap: pm.bytesPerSignUp <= 1024 ? '' : `${pm.bytesPerSignUp - 1024} B over`,
    });
  }

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
  } else t.push({ name: 'many vs few live sessions', target: '< 10 % throughput loss', measured: '-', met: null });

  const a = r.app.anonymous;
  const anonymousName = 'Redis per anonymous page view (sign-in page, error pages)';
  if (a) {
    const met = a.commands === 0 && a.newKeys === 0 && a.sessionCookies === 0;
    t.push({
      name: anonymousName,
      target: '0 B: no command, no key, no session cookie',
      measured:
        `${fmt(a.newKeyBytes / a.views, 1)} B, ${fmt(a.commands / a.views, 2)} commands, ${a.newKeys} new keys, ` +
        `${a.sessionCookies} session cookies over ${fmt(a.views)} views`,
      met,
      gap: met ? '' : a.commandSamples.join(', ') || `${a.newKeys} keys, ${a.sessionCookies} session cookies`,
    });
  } else
    t.push({ name: anonymousName, target: '0 B: no command, no key, no session cookie', measured: '-', met: null });
  return t;
}

export function printReport(r: Report): void {
  r.targets = evaluateTargets(r);
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
  if (r.app.breakdown) {
    httpRow('  app: GET /health/live (no session)', r.app.breakdown.live);
    httpRow('  app: GET /me (session, guard, JSON)', r.app.breakdown.me);
  }
  if (r.app.sessions) {
    const s = r.app.sessions;
    httpRow(`GET /home, ${fmt(s.few.sessions)} sessions (random one)`, s.few);
    httpRow(`GET /home, ${fmt(s.many.sessions)} sessions (random one)`, s.many);
  }
  const flowRow = (name: string, s: SignIns | undefined) => {
    if (!s) return;
    // The probe's window runs from the measured window's start until the last flow drained.
    const flows = s.signIns * (s.probe.wallMs / 1000 / s.seconds);
    rows.push([
      name,
      `${fmt(s.signInsPerSec, 1)} /s`,
      '-',
      fmt(s.flow.p50, 1),
      fmt(s.flow.p99, 1),
      '-',
      '-',
      '-',
      fmt(s.probe.cpuMs / flows, 2),
      '-',
      `${fmt(s.redisCommandsPerSignIn, 0)} per sign-in (scripts' inside)`,
      s.errors,
    ]);
  };
  flowRow('email sign-ins, whole flow', r.app.emailSignIns);
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
        r.app.trace.map((t) => [t.step, t.status, t.roundTrips, t.scriptCalls, t.sequence]),
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
          `${fmt(m.usedBefore)} -> ${fmt(m.usedAfter)} B = ${fmt(m.bytesPerSignIn)} B per sign-in; session record ${m.sessionRecordBytes} B`,
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
