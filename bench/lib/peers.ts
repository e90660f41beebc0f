import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BenchClient } from './http-client.js';
import { ROOT } from './servers.js';
import { expectPage, type SignInFlow } from './signin-load.js';

/** What the bench needs to know of a peer server to run it through the same scenarios. */
export interface PeerSpec {
  id: 'tutorial' | 'betterAuth';
  /** Column title. */
  label: string;
  /** Folder under bench/peers/ with `server.mjs`, `package.json` and `package-lock.json`. */
  dir: string;
  /** Answers 200 once the server is up. */
  healthPath: string;
  /** What a new visitor opens (the sign-in page, an unknown path), with the status each answers. */
  anonymousPaths: Record<string, number>;
  /** The signed-in JSON route, when the peer has one. */
  mePath?: string;
  /** Key patterns (bench/lib/redis-tools.ts `keyPattern`) that make up one signed-in session. */
  sessionPatterns: string[];
  flow(port: number): SignInFlow;
  env(ctx: PeerContext): Record<string, string>;
  /** Where its accounts live in this run. */
  storage(ctx: PeerContext): string;
}

export interface PeerContext {
  redisUrl: string;
  smtpUrl: string;
  secret: string;
  /** PostgreSQL for the peers that keep accounts in a database (Better Auth), when given. */
  databaseUrl?: string;
}

const redirectTo = (what: string, r: { status: number; location?: string; body: string }, to: string) => {
  if (r.status !== 302 || r.location !== to)
    throw new Error(`${what} ${r.status} ${r.location ?? r.body.slice(0, 200)}`);
};

/**
 * The 2022 tutorial (Express 4, express-session + connect-redis, EJS), re-created from its
 * description: form posts answered with redirects, as a browser without JavaScript uses it.
 */
export const tutorial: PeerSpec = {
  id: 'tutorial',
  label: 'the tutorial',
  dir: 'tutorial',
  healthPath: '/login',
  anonymousPaths: { '/login': 200, '/no-such-page': 404 },
  sessionPatterns: ['sess:<id>'],
  flow: () => ({
    cookieName: 'connect.sid',
    async start(client: BenchClient, email: string) {
      redirectTo('POST /auth', await client.postForm('/auth', { email }), '/verify');
    },
    async verify(client: BenchClient, _email: string, otp: string) {
      redirectTo('POST /verify', await client.postForm('/verify', { otp }), '/home');
    },
    home: expectPage('/home'),
  }),
  env: (c) => ({ REDIS_URL: c.redisUrl, SMTP_URL: c.smtpUrl, SESSION_SECRET: c.secret }),
  storage: () => 'no accounts (the address lives in the session)',
};

/** Better Auth with its email-OTP plugin and Redis secondary storage, through its JSON API. */
export const betterAuth: PeerSpec = {
  id: 'betterAuth',
  label: 'Better Auth',
  dir: 'better-auth',
  healthPath: '/login',
  anonymousPaths: { '/login': 200, '/no-such-page': 404 },
  mePath: '/me',
  // The session under its token, and the user's list of active sessions.
  sessionPatterns: ['better-auth:<id>', 'better-auth:active-sessions-<id>'],
  flow: (port) => ({
    cookieName: 'better-auth.session_token',
    // Better Auth refuses a cookie-carrying POST whose origin it cannot check.
    postHeaders: { origin: `http://127.0.0.1:${port}` },
    async start(client: BenchClient, email: string) {
      const r = await client.postJson('/api/auth/email-otp/send-verification-otp', { email, type: 'sign-in' });
      if (r.status !== 200 || !r.body.includes('"success":true'))
        throw new Error(`POST send-verification-otp ${r.status} ${r.body.slice(0, 200)}`);
    },
    async verify(client: BenchClient, email: string, otp: string) {
      const r = await client.postJson('/api/auth/sign-in/email-otp', { email, otp });
      if (r.status !== 200 || !client.cookie)
        throw new Error(`POST sign-in/email-otp ${r.status} ${r.body.slice(0, 200)}`);
    },
    home: expectPage('/home'),
  }),
  env: (c) => ({
    REDIS_URL: c.redisUrl,
    SMTP_URL: c.smtpUrl,
    BETTER_AUTH_SECRET: c.secret,
    ...(c.databaseUrl ? { DATABASE_URL: c.databaseUrl } : {}),
  }),
  storage: (c) => (c.databaseUrl ? 'accounts in PostgreSQL' : 'accounts in its memory adapter'),
};

export const PEERS: PeerSpec[] = [tutorial, betterAuth];

export const peerDir = (p: PeerSpec) => resolve(ROOT, 'bench/peers', p.dir);

/**
 * Installs a folder's locked dependencies with `npm ci` unless the installed ones match its lock
 * file (a hash of the lock kept in node_modules/). Resolves to undefined when they are there, or
 * to the reason they are not (npm missing, no registry, ...).
 */
export async function ensureInstalled(dir: string, log: (msg: string) => void): Promise<string | undefined> {
  const lock = resolve(dir, 'package-lock.json');
  if (!existsSync(lock)) return `${lock} is missing`;
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  const marker = resolve(dir, 'node_modules/.bench-lock-sha256');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === hash) return undefined;
  log(`installing ${dir.slice(ROOT.length)} (npm ci, first use)`);
  const env = { ...process.env };
  // `npm run bench` tells its children about the server's project; this is another one. The
  // rest of npm's settings (registry, cache, certificates) are kept.
  for (const k of Object.keys(env))
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/i.test(k)) delete env[k];
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await new Promise<{ code: number | null; output: string; error?: Error }>((done) => {
    let output = '';
    // Few retries: without a registry the bench should say so soon, not after minutes of back-off.
    const args = [
      'ci',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--fetch-retries=1',
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=5000',
    ];
    const proc = spawn(npm, args, {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(0, 4000));
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 300_000);
    proc.once('error', (error) => {
      clearTimeout(timer);
      done({ code: null, output, error });
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
  if (result.error) return `npm could not run: ${result.error.message}`;
  if (result.code !== 0) {
    // npm's first error lines name the cause (e.g. `code ECONNREFUSED`, the request that failed).
    const cause = result.output
      .split('\n')
      .map((l) => l.replace(/^npm error\s*/, '').trim())
      .filter((l) => l && !/^(syscall|errno)\b/.test(l))
      .slice(0, 2)
      .join(' / ');
    return `npm ci failed (exit ${result.code}): ${cause}`;
  }
  writeFileSync(marker, `${hash}\n`);
  return undefined;
}
