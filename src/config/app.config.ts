import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { getConfigToken, registerAs } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { generateKeyRing, parseKeyRing } from '../crypto/index.js';
import { EnvironmentVariables } from './env.schema.js';

/** The validated configuration of the whole server; the only thing built from `process.env`. */
export interface AppConfig {
  port: number;
  env: 'development' | 'production' | 'test';
  /** Public base URL without a trailing slash. */
  appUrl: string;
  /** `scheme://host[:port]` of APP_URL, for the Origin check. */
  appOrigin: string;
  /** True when APP_URL is https: cookies get `Secure` and the `__Host-` prefix. */
  secureCookies: boolean;
  redisUrl?: string;
  /** Seed nodes of a Redis Cluster (`redis://host:port` each), used instead of `redisUrl`. */
  redisClusterNodes?: string[];
  smtpUrl?: string;
  mailFrom: string;
  /** Put the code in the mail's subject line too (visible on lock screens). */
  mailCodeInSubject: boolean;
  /** With REDIS_URL: `inline` runs the mail worker in this process, `off` leaves it to `node dist/worker.js`. */
  mailWorker: 'inline' | 'off';
  /** With REDIS_URL: the BullMQ queue of mails, shared by the server and its workers. */
  mailQueue: string;
  /** The queue is this process's own, deleted at shutdown (NODE_ENV=test without MAIL_QUEUE). */
  mailQueueTemporary: boolean;
  /**
   * With REDIS_URL: seconds a mail worker's hold on a job lasts unless renewed (it renews it every
   * half of that while it sends); a job in hand of a worker that died is taken up again once it
   * lapses (`MAIL_LOCK_SECONDS`, default 10).
   */
  mailLockSeconds: number;
  /** First signs, all verify. */
  sessionSecrets: string[];
  otpSecret: string;
  firstFactor: 'password' | 'email';
  signup: 'open' | 'closed';
  otp: { length: number; ttlSeconds: number; maxAttempts: number; resendSeconds: number; validCodes: number };
  /** Sign-in mails carry a same-browser link beside the code. */
  mailLink: boolean;
  /** Days a remembered browser skips the second factor; 0: off. */
  rememberDeviceDays: number;
  password: { memoryKib: number; iterations: number };
  /** Requests a minute one client IP may make to the sign-in POST routes. */
  rateLimitPerMinute: number;
  trustProxy: boolean | number | string[];
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /**
   * SIGTERM: seconds readiness answers 503 while requests are still served (`graceSeconds`), then
   * at most `timeoutSeconds` to finish in-flight requests and mail jobs and close connections.
   */
  shutdown: { graceSeconds: number; timeoutSeconds: number };
  /** `json` (one object a line) or `pretty` (readable, for a terminal): `LOG_FORMAT`, default pretty in development only. */
  logFormat: 'json' | 'pretty';
  /** `METRICS_PORT`: `GET /metrics` is served on this port only, never on the public one. */
  metricsPort?: number;
  /** `GET /metrics` on the public port: development and test without `METRICS_PORT` (production: off). */
  metricsOnPublicPort: boolean;
  /** PostgreSQL for accounts and their credentials; unset: Redis (or memory). */
  databaseUrl?: string;
  /** Key ring (`id:base64key,...`) that encrypts authenticator secrets. */
  mfaEncryptionKeys: string;
  /** Password mode: an account with a second factor may ask for an emailed code instead. */
  mfaEmailFallback: boolean;
  /** Second factors that count toward AAL2. */
  aal2Factors: string[];
  /** Things an operator should know about this configuration, logged at boot. */
  warnings: string[];
}

/** Raised at boot when the environment is invalid; the message names each variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const REQUIRED_IN_PRODUCTION = ['SMTP_URL', 'SESSION_SECRET', 'OTP_SECRET', 'APP_URL', 'MFA_ENCRYPTION_KEY'] as const;

/**
 * Validates an environment and applies the defaults.
 * @throws ConfigError naming every bad or missing variable.
 */
export function loadConfig(raw: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const vars = plainToInstance(EnvironmentVariables, cleaned, { excludeExtraneousValues: false });
  const problems = validateSync(vars, { whitelist: false }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => (m.includes(e.property) ? m : `${e.property}: ${m}`)),
  );
  // The pattern lets through some strings `new URL` refuses (e.g. a non-numeric port): name the variable, not a TypeError.
  if (vars.APP_URL && !URL.canParse(vars.APP_URL) && !problems.some((p) => p.startsWith('APP_URL'))) {
    problems.push('APP_URL must be an http(s) URL');
  }
  if (vars.MFA_ENCRYPTION_KEY) {
    try {
      parseKeyRing(vars.MFA_ENCRYPTION_KEY);
    } catch (err) {
      problems.push(`MFA_ENCRYPTION_KEY: ${(err as Error).message}`);
    }
  }
  const env = (vars.NODE_ENV ?? 'development') as AppConfig['env'];
  const redis = !!(vars.REDIS_URL || vars.REDIS_CLUSTER_NODES);
  if (env === 'production') {
    if (!redis)
      problems.push('REDIS_URL is required when NODE_ENV=production (or REDIS_CLUSTER_NODES, for a Redis Cluster)');
    for (const name of REQUIRED_IN_PRODUCTION) {
      if (!vars[name]) problems.push(`${name} is required when NODE_ENV=production`);
    }
  }
  if (vars.REDIS_URL && vars.REDIS_CLUSTER_NODES) {
    problems.push('Set REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  if (vars.MAIL_WORKER === 'off' && !redis) {
    problems.push(
      'MAIL_WORKER=off needs REDIS_URL (or REDIS_CLUSTER_NODES): without Redis mail is delivered by the server itself',
    );
  }
  if (vars.MAIL_WORKER === 'off' && env === 'test' && !vars.MAIL_QUEUE) {
    problems.push(
      'MAIL_WORKER=off needs MAIL_QUEUE when NODE_ENV=test (each test app has a queue of its own otherwise)',
    );
  }
  if (vars.METRICS_PORT !== undefined && vars.METRICS_PORT === (vars.PORT ?? 3000)) {
    problems.push('METRICS_PORT must differ from PORT: metrics are kept off the public port');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }

  const warnings: string[] = [];
  const port = vars.PORT ?? 3000;
  const appUrl = (vars.APP_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const url = new URL(appUrl);
  if (env === 'production' && url.protocol === 'http:') {
    warnings.push('APP_URL is http in production: cookies are not Secure; serve it behind a TLS proxy only.');
  }
  if (url.protocol === 'https:' && vars.TRUST_PROXY === undefined && env === 'production') {
    warnings.push(
      'APP_URL is https but TRUST_PROXY is not set: behind a TLS proxy no Secure cookie is ever sent, so nobody can sign in.',
    );
  }
  if (vars.TRUST_PROXY === 'true') {
    warnings.push(
      'TRUST_PROXY=true trusts every X-Forwarded-For hop: a client can pick its own address and dodge the per-address budget. Prefer a hop count or subnets.',
    );
  }
  if (!redis) {
    warnings.push(
      'REDIS_URL is not set: sessions, codes and accounts live in this process and vanish on restart (development only).',
    );
  }
  if (!vars.SMTP_URL) warnings.push('SMTP_URL is not set: mails go to the development outbox at GET /dev/outbox.');
  if (!vars.SESSION_SECRET) warnings.push('SESSION_SECRET is not set: a random one is used, sessions end on restart.');
  if (!vars.OTP_SECRET) {
    warnings.push('OTP_SECRET is not set: a random one is used, pending codes and recovery codes end on restart.');
  }
  if (!vars.MFA_ENCRYPTION_KEY) {
    warnings.push(
      'MFA_ENCRYPTION_KEY is not set: a random key is used, authenticator apps added now stop working on restart.',
    );
  }

  return {
    port,
    env,
    appUrl,
    appOrigin: url.origin,
    secureCookies: url.protocol === 'https:',
    redisUrl: vars.REDIS_URL,
    redisClusterNodes: vars.REDIS_CLUSTER_NODES?.split(',').map((n) => {
      const node = n.trim();
      return /^rediss?:\/\//.test(node) ? node : `redis://${node}`;
    }),
    smtpUrl: vars.SMTP_URL,
    mailFrom: vars.MAIL_FROM ?? 'Sign-in <no-reply@localhost>',
    mailCodeInSubject: vars.MAIL_CODE_IN_SUBJECT === 'true',
    mailWorker: (vars.MAIL_WORKER ?? 'inline') as AppConfig['mailWorker'],
    // Test apps share one Redis (suites run side by side, each with its own SMTP server): unless
    // told otherwise, each gets a queue of its own, so none delivers another's mail.
    mailQueue: vars.MAIL_QUEUE ?? (env === 'test' ? `mail-test-${randomBytes(6).toString('hex')}` : 'mail'),
    mailQueueTemporary: !vars.MAIL_QUEUE && env === 'test',
    mailLockSeconds: vars.MAIL_LOCK_SECONDS ?? 10,
    sessionSecrets: vars.SESSION_SECRET ? vars.SESSION_SECRET.split(',') : [randomBytes(32).toString('base64url')],
    otpSecret: vars.OTP_SECRET ?? randomBytes(32).toString('base64url'),
    firstFactor: (vars.AUTH_FIRST_FACTOR ?? 'password') as AppConfig['firstFactor'],
    signup: (vars.AUTH_SIGNUP ?? 'open') as AppConfig['signup'],
    otp: {
      length: vars.OTP_LENGTH ?? 6,
      ttlSeconds: vars.OTP_TTL_SECONDS ?? 600,
      maxAttempts: vars.OTP_MAX_ATTEMPTS ?? 5,
      resendSeconds: vars.OTP_RESEND_SECONDS ?? 60,
      validCodes: vars.OTP_VALID_CODES ?? 3,
    },
    mailLink: vars.MAIL_LINK !== 'false',
    rememberDeviceDays: vars.REMEMBER_DEVICE_DAYS ?? 30,
    password: {
      memoryKib: vars.PASSWORD_HASH_MEMORY_KIB ?? 19456,
      iterations: vars.PASSWORD_HASH_ITERATIONS ?? 2,
    },
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE ?? 60,
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    logLevel: (vars.LOG_LEVEL ?? 'log') as AppConfig['logLevel'],
    shutdown: {
      graceSeconds: vars.SHUTDOWN_GRACE_SECONDS ?? 5,
      timeoutSeconds: vars.SHUTDOWN_TIMEOUT_SECONDS ?? 25,
    },
    logFormat: (vars.LOG_FORMAT ?? (env === 'development' ? 'pretty' : 'json')) as AppConfig['logFormat'],
    metricsPort: vars.METRICS_PORT,
    metricsOnPublicPort: vars.METRICS_PORT === undefined && env !== 'production',
    databaseUrl: vars.DATABASE_URL,
    mfaEncryptionKeys: vars.MFA_ENCRYPTION_KEY ?? generateKeyRing(),
    mfaEmailFallback: vars.MFA_EMAIL_FALLBACK === 'true',
    aal2Factors: (vars.AAL2_FACTORS ?? 'email_otp,totp,recovery_code,passkey').split(',').map((f) => f.trim()),
    warnings,
  };
}

function parseTrustProxy(value: string | undefined): AppConfig['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim());
}

/** Loads `.env` from the working directory into `process.env` when the file exists (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** The `app` namespace of `@nestjs/config` holding an already validated config (`@Inject(APP_CONFIG)`). */
export const appConfig = (config: AppConfig) => registerAs('app', () => config);

/** Injection key of the `app` namespace (`@nestjs/config`'s own token for it). */
export const APP_CONFIG = getConfigToken('app');
