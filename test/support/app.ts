import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp } from '../../src/app.setup.js';
import type { Clock } from '../../src/clock/index.js';
import { generateKeyRing } from '../../src/crypto/index.js';
import { APP_CONFIG, type AppConfig } from '../../src/config/app.config.js';
import { MailDispatcher } from '../../src/mail/index.js';
import { flushKeys, testRedisClusterNodes, testRedisUrl } from './redis.js';
import { TestSmtpServer, type ReceivedMail } from './smtp.js';

/** A running app built exactly as `main.ts` builds it, with a real Redis and a real SMTP server. */
export interface TestApp {
  app: NestExpressApplication;
  http: Server;
  smtp: TestSmtpServer;
  config: AppConfig;
  /** A cookie-keeping client: one browser, one session. */
  agent(): ReturnType<typeof request.agent>;
  /** The next mail to `email` (delivery happens after the answer). */
  mailTo(email: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** The code of the next mail to `email` that carries one (security notices in between are skipped). */
  codeFor(email: string): Promise<string>;
  close(): Promise<void>;
}

/** Per-worker mail domain, so suites running side by side never share an identifier. */
const DOMAIN = `w${process.pid}.e2e.test`;

/** A fresh address, unique in this run. */
export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@${DOMAIN}`;
}

/**
 * The environment of a test app: Redis (the run's server, or its Redis Cluster in the `cluster`
 * project unless `env` names `REDIS_URL`), the SMTP server at `smtpUrl`, fresh secrets, cheap
 * password hashing and a per-address budget out of the way; `env` overrides it.
 */
export function testEnv(
  smtpUrl: string,
  env: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const cluster = 'REDIS_URL' in env ? undefined : testRedisClusterNodes();
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    ...(cluster ? { REDIS_CLUSTER_NODES: cluster } : { REDIS_URL: testRedisUrl() }),
    SMTP_URL: smtpUrl,
    SESSION_SECRET: randomBytes(24).toString('base64url'),
    OTP_SECRET: randomBytes(24).toString('base64url'),
    MFA_ENCRYPTION_KEY: generateKeyRing(),
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    // Every suite sends from 127.0.0.1: the per-address budget has its own test.
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  };
}

/**
 * Starts the app. `env` overrides the defaults below; a key set to `undefined` unsets it
 * (e.g. `{ REDIS_URL: undefined }` for the in-process stores).
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
  options: { smtp?: TestSmtpServer; clock?: Clock } = {},
): Promise<TestApp> {
  const smtp = options.smtp ?? new TestSmtpServer();
  const ownSmtp = !options.smtp;
  if (ownSmtp) await smtp.start();
  const fullEnv = testEnv(smtp.url, env);
  const app = await createApp(fullEnv, { clock: options.clock });
  await app.init();
  const http = app.getHttpServer();
  const config = app.get<AppConfig>(APP_CONFIG);
  return {
    app,
    http,
    smtp,
    config,
    agent: () => request.agent(http),
    mailTo: (email, timeoutMs) => smtp.waitForMail(email, { timeoutMs }),
    codeFor: async (email) => {
      // Security notices (a new browser, a password change) go to the same address: skip them.
      for (;;) {
        const mail = await smtp.waitForMail(email);
        // A notice carries a "this wasn't me" link; a code mail never does.
        if (mail.code && !mail.text.includes('/account/not-me')) return mail.code;
      }
    },
    close: async () => {
      await app.get(MailDispatcher).drain(2000);
      await app.close();
      if (ownSmtp) await smtp.stop();
      if (fullEnv.REDIS_URL) await flushKeys(fullEnv.REDIS_URL, `user:*@${DOMAIN}`).catch(() => undefined);
    },
  };
}
