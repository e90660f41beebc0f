import type { AnonymousViewsResult } from './lib/anonymous-views.js';
import type { Measured, Report, SignIns } from './report.js';

/** The server's CPU time per completed sign-in, ms (its probe's window runs until the last flow drained). */
export function cpuPerSignIn(s: SignIns): number {
  return s.probe.cpuMs / (s.signIns * (s.probe.wallMs / 1000 / s.seconds));
}

/** One compared figure: a value per server (null: not measured, with a note saying why). */
export interface Figure {
  id: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  digits: number;
  values: Record<string, number | null>;
  notes?: Record<string, string>;
  /** false: in the table only (e.g. error counts). */
  chart?: boolean;
}

/** The figures of a run per server: what the markdown table and bench/chart/render.mjs show. */
export interface Comparison {
  servers: { id: string; label: string; note?: string }[];
  /** The server whose bars stand out in the charts. */
  highlight: string;
  figures: Figure[];
}

const PEER_IDS = ['tutorial', 'betterAuth'] as const;

/** Builds the comparison from a run: the Express + session floor, the tutorial, this server, Better Auth. */
export function buildComparison(r: Report): Comparison {
  const servers: Comparison['servers'] = [{ id: 'floor', label: 'Express + session floor' }];
  const peer = (id: (typeof PEER_IDS)[number]) => r.peers[id];
  if (peer('tutorial'))
    servers.push({ id: 'tutorial', label: peer('tutorial')!.label, note: peer('tutorial')!.storage });
  servers.push({ id: 'app', label: 'this server', note: 'accounts and sessions in Redis' });
  if (peer('betterAuth'))
    servers.push({ id: 'betterAuth', label: peer('betterAuth')!.label, note: peer('betterAuth')!.storage });

  /** A figure over the app and the peers (and the floor when `floor` is given). */
  const figure = (
    f: Omit<Figure, 'values' | 'notes'>,
    get: (s: {
      home?: Measured;
      me?: Measured;
      signIns?: SignIns;
      firstSignInBytes?: number;
      sessionBytes?: number;
      anonymous?: AnonymousViewsResult;
    }) => number | undefined,
    floor?: number,
    missing: Record<string, string> = {},
  ): Figure => {
    const values: Record<string, number | null> = {};
    const notes: Record<string, string> = {};
    if (floor !== undefined) values.floor = floor;
    const app = r.app;
    values.app =
      get({
        home: app.home,
        me: app.me,
        signIns: app.emailSignIns,
        firstSignInBytes: app.memory?.bytesPerSignIn,
        sessionBytes: app.memory?.sessionBytes ?? app.sessionRecord?.bytes,
        anonymous: app.anonymous,
      }) ?? null;
    for (const id of PEER_IDS) {
      const p = peer(id);
      if (!p) continue;
      values[id] =
        get({
          home: p.home,
          me: p.me,
          signIns: p.emailSignIns,
          firstSignInBytes: p.memory?.bytesPerSignIn,
          sessionBytes: p.memory?.sessionBytes,
          anonymous: p.anonymous,
        }) ?? null;
      if (values[id] === null) notes[id] = p.skipped ? 'skipped' : (missing[id] ?? 'not measured');
    }
    return { ...f, values, ...(Object.keys(notes).length ? { notes } : {}) };
  };
  const F = r.floors.expressSession;
  const anonViews = r.app.anonymous?.views ?? Object.values(r.peers).find((p) => p.anonymous)?.anonymous?.views;
  type Sources = Parameters<Parameters<typeof figure>[1]>[0];
  /** A signed-in route's three figures: rate, p99 and server CPU per request, the floor's beside them. */
  const route = (id: string, title: string, get: (s: Sources) => Measured | undefined, missing = {}) => [
    figure(
      { id: `${id}-rps`, title, unit: 'req/s', better: 'higher', digits: 0 },
      (s) => get(s)?.reqPerSec,
      F?.reqPerSec,
      missing,
    ),
    figure(
      { id: `${id}-p99`, title: `${title}, p99 latency`, unit: 'ms', better: 'lower', digits: 1 },
      (s) => get(s)?.latency.p99,
      F?.latency.p99,
      missing,
    ),
    figure(
      { id: `${id}-cpu`, title: `${title}, server CPU per request`, unit: 'ms', better: 'lower', digits: 3 },
      (s) => get(s)?.cpuMsPerRequest,
      F?.cpuMsPerRequest,
      missing,
    ),
  ];
  /** A count over the anonymous page views, whose target is zero: a table row, no chart. */
  const anonymous = (id: string, what: string, unit: string, get: (a: AnonymousViewsResult) => number) =>
    figure(
      {
        id,
        title: `${what} ${anonViews?.toLocaleString('en') ?? 'N'} anonymous page views`,
        unit,
        better: 'lower',
        digits: 0,
        chart: false,
      },
      (s) => (s.anonymous ? get(s.anonymous) : undefined),
    );
  const figures: Figure[] = [
    ...route('home', 'GET /home signed in', (s) => s.home),
    figure(
      {
        id: 'home-floor-ratio',
        title: 'GET /home signed in, over the Express + session floor',
        unit: "× the floor's req/s",
        better: 'higher',
        digits: 2,
      },
      (s) => (s.home && F ? s.home.reqPerSec / F.reqPerSec : undefined),
    ),
    ...route('me', 'GET /me signed in (JSON)', (s) => s.me, { tutorial: 'no such route' }),
    figure(
      {
        id: 'signins',
        title: `Email sign-ins, ${String(r.params.users)} users`,
        unit: 'sign-ins/s',
        better: 'higher',
        digits: 1,
      },
      (s) => s.signIns?.signInsPerSec,
    ),
    figure(
      { id: 'signin-p99', title: 'Email sign-in flow, p99 latency', unit: 'ms', better: 'lower', digits: 0 },
      (s) => s.signIns?.flow.p99,
    ),
    figure(
      { id: 'signin-cpu', title: 'Email sign-in, server CPU per sign-in', unit: 'ms', better: 'lower', digits: 2 },
      (s) => (s.signIns?.signIns ? cpuPerSignIn(s.signIns) : undefined),
    ),
    figure(
      { id: 'signin-errors', title: 'Email sign-in errors', unit: 'errors', better: 'lower', digits: 0, chart: false },
      (s) => s.signIns?.errors,
    ),
    figure(
      {
        id: 'redis-first-signin',
        title: "Redis left by a new account's first sign-in",
        unit: 'bytes',
        better: 'lower',
        digits: 0,
      },
      (s) => s.firstSignInBytes,
    ),
    figure(
      { id: 'redis-session', title: 'Redis of a signed-in session', unit: 'bytes', better: 'lower', digits: 0 },
      (s) => s.sessionBytes,
    ),
    anonymous('anonymous-commands', 'Redis commands sent for', 'commands', (a) => a.commands),
    anonymous('anonymous-keys', 'Redis keys left by', 'keys', (a) => a.newKeys),
    anonymous('anonymous-cookies', 'Session cookies set by', 'cookies', (a) => a.sessionCookies),
  ];
  return { servers, highlight: 'app', figures };
}

const num = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? undefined
    : v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** This server's value over a peer's, or '-' when either is missing or the peer's is 0. */
function ratio(f: Figure, peer: string): string {
  const a = f.values.app;
  const b = f.values[peer];
  if (a === null || a === undefined || b === null || b === undefined) return '-';
  if (b === 0) return a === 0 ? 'same' : '-';
  return `${num(a / b, 2)}×`;
}

/** The comparison as rows: figure, a column per server, then this server's ratio to each peer. */
export function comparisonRows(c: Comparison): { head: string[]; rows: string[][] } {
  const peers = c.servers.filter((s) => s.id !== 'floor' && s.id !== 'app');
  const head = ['figure', ...c.servers.map((s) => s.label), ...peers.map((p) => `this server ÷ ${p.label}`), 'better'];
  const rows = c.figures.map((f) => [
    `${f.title} (${f.unit})`,
    ...c.servers.map((s) =>
      f.values[s.id] === undefined ? '' : (num(f.values[s.id], f.digits) ?? f.notes?.[s.id] ?? '-'),
    ),
    ...peers.map((p) => ratio(f, p.id)),
    f.better,
  ]);
  return { head, rows };
}

/** The comparison as a markdown table, with the servers' notes (where accounts live) below it. */
export function comparisonMarkdown(r: Report, c: Comparison): string {
  const { head, rows } = comparisonRows(c);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    `${r.smoke ? 'Smoke run' : 'Run'} of ${r.date} (${String(r.machine.cpu)}, ${String(r.machine.nproc)} cores, ` +
      `load average ${String(r.machine.loadAverageAtStart)} at the start), each server alone on the same core. ` +
      `Where accounts live: ${c.servers
        .filter((s) => s.note)
        .map((s) => `${s.label}, ${s.note}`)
        .join('; ')}.`,
  ];
  const skipped = Object.values(r.peers).filter((p) => p.skipped);
  for (const p of skipped) lines.push('', `${p.label} was not measured: ${p.skipped}`);
  return `${lines.join('\n')}\n`;
}
