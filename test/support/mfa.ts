import type { LogLevel, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { expect } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { PasswordService, UserStore } from '../../src/auth/index.js';
import { Clock } from '../../src/clock/index.js';
import { APP_CONFIG, type AppConfig, loadConfig } from '../../src/config/app.config.js';
import { formBodyParser, jsonBodyParser, utf8BodiesOnly } from '../../src/http/body.parsers.js';
import { MailDispatcher } from '../../src/mail/index.js';
import { TOTP_PERIOD_SECONDS, TotpService } from '../../src/totp/index.js';
import { testEnv, uniqueEmail, type TestApp } from './app.js';
import { flushKeys, testRedisClusterNodes, testRedisUrl } from './redis.js';
import { type ReceivedMail, TestSmtpServer } from './smtp.js';

/**
 * Helpers of the second-factor suites: a clock the test moves, an app built around it, TOTP codes
 * computed as an authenticator app would, enrolment and sign-in through the HTTP routes.
 */

export const JSON_TYPE = 'application/json';
export const PASSWORD = 'correct horse battery staple';
/** What a browser sends when it loads a page or posts a form (prefers HTML). */
export const HTML_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

export type Agent = ReturnType<TestApp['agent']>;

/**
 * A {@link Clock} that stands still until the test moves it: `authTime`, `@FreshAuth` and the
 * TOTP time step all read it, so a test decides which authenticator code is current and how old
 * a sign-in is, without waiting.
 */
export class TestClock extends Clock {
  constructor(private at: number = Date.now()) {
    super();
  }

  now(): number {
    return this.at;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.at += ms;
  }

  /** Moves to 1 s into the next TOTP time step: the code shown changes, nothing else is skipped. */
  nextStep(): void {
    this.at = (Math.floor(this.at / STEP_MS) + 1) * STEP_MS + 1000;
  }
}

/** A running app whose time is {@link TestClock}. */
export interface ClockedTestApp extends TestApp {
  clock: TestClock;
}

/**
 * Starts the app with `clock` in place of the system clock (`overrideProvider(Clock)`), with the
 * same environment defaults as `createTestApp` and the body readers `createApp` installs.
 * `createApp` has no way to override a provider, so this builds the app itself; it leaves out what
 * these API suites do not exercise (helmet's headers, static assets): pages' headers are checked on
 * apps from `createTestApp`. `controllers` adds a host app's own routes beside `AppModule`.
 */
export async function createClockedTestApp(
  env: Record<string, string | undefined> = {},
  options: { clock?: TestClock; controllers?: Type[] } = {},
): Promise<ClockedTestApp> {
  const clock = options.clock ?? new TestClock();
  const smtp = new TestSmtpServer();
  await smtp.start();
  const fullEnv = testEnv(smtp.url, env);
  const config = loadConfig(fullEnv);
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
    controllers: options.controllers ?? [],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const levels: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: levels.slice(0, levels.indexOf(config.logLevel) + 1),
  });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(utf8BodiesOnly(), jsonBodyParser({ limit: '8kb' }), formBodyParser({ limit: '8kb', parameterLimit: 20 }));
  await app.init();
  const http = app.getHttpServer();
  return {
    app,
    http,
    smtp,
    clock,
    config: app.get<AppConfig>(APP_CONFIG),
    agent: () => request.agent(http),
    mailTo: (email, timeoutMs) => smtp.waitForMail(email, { timeoutMs }),
    codeFor: async (email) => {
      const mail = await smtp.waitForMail(email);
      if (!mail.code) throw new Error(`No code in the mail to ${email}: ${mail.text}`);
      return mail.code;
    },
    close: async () => {
      await app.get(MailDispatcher).drain(2000);
      await app.close();
      await smtp.stop();
      await flushMfaKeys();
    },
  };
}

/**
 * Deletes the authenticators and recovery codes of this worker's test accounts (`createTestApp`
 * deletes only the accounts themselves).
 */
export async function flushMfaKeys(): Promise<void> {
  // The `cluster` project's Redis Cluster is thrown away after the run.
  if (testRedisClusterNodes()) return;
  const domain = uniqueEmail().split('@')[1];
  for (const pattern of [`user:*@${domain}`, `totp:a:*@${domain}`, `totp:p:enrol:*@${domain}`, `rc:*@${domain}`]) {
    await flushKeys(testRedisUrl(), pattern).catch(() => undefined);
  }
}

const totp = new TotpService();

/** The code an authenticator app with `secret` shows at `at` (epoch ms). */
export function totpCode(secret: string, at: number): string {
  return totp.generate(secret, at);
}

/** A 6-digit code that is none of the codes `secret` gives in the three steps around `at`. */
export function wrongTotp(secret: string, at: number): string {
  const taken = new Set([-1, 0, 1].map((d) => totpCode(secret, at + d * STEP_MS)));
  let n = Number(totpCode(secret, at));
  let code: string;
  do {
    n = (n + 1) % 1_000_000;
    code = String(n).padStart(6, '0');
  } while (taken.has(code));
  return code;
}

/**
 * Waits, on the real clock, until at least `marginMs` of the current TOTP step are left, so that a
 * code computed now is still in the server's window when it arrives (apps on the system clock).
 */
export async function awayFromStepEdge(marginMs = 4000): Promise<void> {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 200));
}

/** Creates a password-mode account through the app's own ports (no mail, no send budget used). */
export async function seedAccount(t: TestApp, email: string, password = PASSWORD): Promise<void> {
  const passwordHash = await t.app.get(PasswordService).hash(password);
  expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
}

export const me = (agent: Agent) => agent.get('/me').set('Accept', JSON_TYPE);

/** Password, then the mailed code (an account without an authenticator): leaves `agent` signed in. */
export async function signInWithPasswordAndEmail(
  t: TestApp,
  agent: Agent,
  email: string,
  password = PASSWORD,
): Promise<request.Response> {
  const start = await agent.post('/auth').send({ email, password });
  expect(start.status, JSON.stringify(start.body)).toBe(200);
  expect(start.body.status).toBe('code_sent');
  const verify = await agent.post('/verify').send({ code: await t.codeFor(email) });
  expect(verify.status, JSON.stringify(verify.body)).toBe(200);
  expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
  return verify;
}

/** What `POST /account/totp/setup` and `POST /account/totp/confirm` gave. */
export interface Enrolment {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
  recoveryCodes: string[];
  /** The session id after the confirmation (it rotates the session). */
  sessionId: string;
}

/**
 * Adds an authenticator to the signed-in account of `agent` over the JSON routes, confirming it
 * with the code of `at` (whose time step is then spent). Mails the owner the "enabled" notice.
 */
export async function enrolTotp(agent: Agent, at: number, locale?: string): Promise<Enrolment> {
  const setup = await agent.post('/account/totp/setup').send({});
  expect(setup.status, JSON.stringify(setup.body)).toBe(200);
  const { secret, otpauthUrl, qrSvg } = setup.body as { secret: string; otpauthUrl: string; qrSvg: string };
  const confirmed = await agent
    .post('/account/totp/confirm')
    .set(locale ? { 'Accept-Language': locale } : {})
    .send({ code: totpCode(secret, at) });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(confirmed.body.status).toBe('enabled');
  return {
    secret,
    otpauthUrl,
    qrSvg,
    recoveryCodes: confirmed.body.recoveryCodes as string[],
    sessionId: sessionIdOf(confirmed),
  };
}

/**
 * The first mail to `email` whose subject matches `subject`, waiting up to `timeoutMs` for it
 * (mail goes out after the answer). Other mails to the address are left alone.
 */
export async function mailMatching(
  t: TestApp,
  email: string,
  subject: RegExp,
  timeoutMs = 5000,
): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = t.smtp.mailsTo(email).find((m) => subject.test(m.subject));
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = t.smtp.mailsTo(email).map((m) => `"${m.subject}"`);
      throw new Error(
        `No mail to ${email} with a subject like ${String(subject)} (received: ${seen.join(', ') || 'none'})`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The session id inside the `sid` cookie a response set (throws when it set none). */
export function sessionIdOf(res: request.Response): string {
  const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='));
  if (!raw) throw new Error(`No sid cookie set (status ${res.status})`);
  const value = decodeURIComponent(raw.slice(4).split(';')[0]);
  return value.slice(2, value.lastIndexOf('.'));
}

/** The `_csrf` hidden input of a page. */
export function csrfFrom(html: string): string {
  const token = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html)?.[1];
  if (!token) throw new Error(`No _csrf input in the page:\n${html.slice(0, 2000)}`);
  return token;
}

/** Posts a form as a browser does (URL-encoded, HTML preferred). */
export const postForm = (agent: Agent, path: string, fields: Record<string, string>) =>
  agent.post(path).type('form').set('Accept', HTML_ACCEPT).send(fields);
