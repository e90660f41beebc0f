import { randomBytes } from 'node:crypto';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Clock, generateKeyRing, MailDispatcher, MailSender } from 'nest-mfa-signin';
import { SettableClock, type TestOutbox } from 'nest-mfa-signin/testing';
import request from 'supertest';
import { vi } from 'vitest';
import { testDatabaseUrl } from '../../../test/support/postgres.js';
import { testRedisUrl } from '../../../test/support/redis.js';
import { configureHostApp } from '../src/app.setup.js';

/** A cookie-keeping client: one browser, one session. */
export type Agent = ReturnType<typeof request.agent>;

/** A running host app. */
export interface HostApp {
  app: NestExpressApplication;
  clock: SettableClock;
  agent(): Agent;
  close(): Promise<void>;
}

/** What {@link bootHost} builds. */
export interface BootOptions {
  /** The root module (the host's `AppModule`, or a test's own). */
  root: NonNullable<ModuleMetadata['imports']>[number];
  /** Modules imported beside the root. */
  imports?: ModuleMetadata['imports'];
  /** `SMTP_URL` (the mailer needs one even when `outbox` takes the mails). */
  smtpUrl: string;
  /** The testing kit's outbox in place of the SMTP sender (`overrideProvider(MailSender)`). */
  outbox?: TestOutbox;
  /** More variables, over the defaults. */
  env?: Record<string, string>;
}

/** Per-worker mail domain, so suites running side by side never share an address. */
export const DOMAIN = `host${process.pid}.e2e.test`;

/** A fresh address. */
export const uniqueEmail = (tag = 'user') => `${tag}-${randomBytes(5).toString('hex')}@${DOMAIN}`;

/**
 * Boots a host app the way a team's test would: the host's environment, `Test.createTestingModule`
 * with the testing kit's `SettableClock` (and `TestOutbox`) swapped in, then the host's own setup.
 * `overrideProvider(Clock)` reaches every root module a test boots; an app of its own could pass
 * the clock as `AuthModule.forRoot({ clock })` instead.
 */
export async function bootHost(options: BootOptions): Promise<HostApp> {
  const clock = new SettableClock();
  const env: Record<string, string> = {
    APP_URL: 'http://127.0.0.1',
    REDIS_URL: testRedisUrl(),
    DATABASE_URL: testDatabaseUrl(),
    SMTP_URL: options.smtpUrl,
    SESSION_SECRET: randomBytes(24).toString('base64url'),
    OTP_SECRET: randomBytes(24).toString('base64url'),
    MFA_ENCRYPTION_KEY: generateKeyRing(),
    AUTH_FIRST_FACTOR: 'email',
    // One second, so that a step-up may mail a code right after the sign-in's code.
    OTP_RESEND_SECONDS: '1',
    ...options.env,
  };
  // `hostConfig` reads process.env when the module is compiled.
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  let app: NestExpressApplication;
  try {
    let builder = Test.createTestingModule({ imports: [options.root, ...(options.imports ?? [])] })
      .overrideProvider(Clock)
      .useValue(clock);
    if (options.outbox) builder = builder.overrideProvider(MailSender).useValue(options.outbox);
    const moduleRef = await builder.compile();
    // As main.ts does: no body parser of Nest's own, the package's come with `applyHttpSetup`.
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'], bodyParser: false });
    configureHostApp(app);
  } finally {
    vi.unstubAllEnvs();
  }
  try {
    await app.init();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const http = app.getHttpServer();
  return {
    app,
    clock,
    agent: () => request.agent(http),
    close: async () => {
      await app.get(MailDispatcher).drain(2000);
      await app.close();
    },
  };
}

/** A JSON body read as the test expects it to be. */
export const bodyOf = <T>(res: { body: unknown }) => res.body as T;

/** An error answer of the package. */
export interface ErrorBody {
  error: string;
  message: string;
  factors?: string[];
  details?: { field: string; problems: string[] }[];
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
