import { createHmac } from 'node:crypto';
import type { MailerOptions } from '@nestjs-modules/mailer';
import type { AuthModuleOptions } from './auth/index.js';
import type { AppConfig } from './config/app.config.js';
import { type MailModuleOptions, smtpTransport } from './mail/index.js';
import type { DevicesModuleOptions } from './devices/index.js';
import type { LoggingModuleOptions } from './logging/index.js';
import type { MetricsModuleOptions } from './metrics/index.js';
import {
  PostgresDeviceStore,
  PostgresPasskeyStore,
  PostgresRecoveryCodeStore,
  PostgresTotpStore,
  PostgresUserStore,
} from './database/index.js';
import type { OtpModuleOptions } from './otp/index.js';
import type { PasskeysModuleOptions } from './passkeys/index.js';
import type { RecoveryCodesModuleOptions } from './recovery-codes/index.js';
import type { SecurityModuleOptions } from './security/index.js';
import type { SessionModuleOptions } from './session/index.js';
import type { TotpModuleOptions } from './totp/index.js';
import type { ViewModuleOptions } from './view/index.js';

/**
 * Each feature module's options, built from the validated config. `AppModule` only wires them;
 * a host app builds its own the same way.
 */
export const appOptions = {
  redis: (c: AppConfig) => ({ url: c.redisUrl, clusterNodes: c.redisClusterNodes }),
  view: (c: AppConfig): ViewModuleOptions => ({
    site: {
      name: 'Sign-in',
      appUrl: c.appUrl,
      firstFactor: c.firstFactor,
      passwordMode: c.firstFactor === 'password',
      signupOpen: c.signup === 'open',
      codeLength: c.otp.length,
      validCodes: c.otp.validCodes,
      codeMinutes: Math.max(1, Math.round(c.otp.ttlSeconds / 60)),
      rememberDays: c.rememberDeviceDays,
      devOutbox: usesDevOutbox(c),
    },
  }),
  session: (c: AppConfig): SessionModuleOptions => ({ secrets: c.sessionSecrets, secure: c.secureCookies }),
  security: (c: AppConfig): SecurityModuleOptions => ({
    appOrigin: c.appOrigin,
    csrfSecret: c.sessionSecrets[0],
    secure: c.secureCookies,
  }),
  /** Without SMTP_URL a JSON transport stands in (the outbox sender never calls it). */
  mailer: (c: AppConfig): MailerOptions => ({
    transport: c.smtpUrl ? smtpTransport(c.smtpUrl) : { jsonTransport: true },
    defaults: { from: c.mailFrom } as MailerOptions['defaults'],
  }),
  /**
   * With REDIS_URL, mails go through a durable BullMQ queue in the same Redis, delivered by a worker
   * in this process (MAIL_WORKER=inline) or by `node dist/worker.js` (off); without it, in process.
   */
  mail: (c: AppConfig): MailModuleOptions => ({
    transport: c.smtpUrl ? 'smtp' : 'outbox',
    appUrl: c.appUrl,
    codeInSubject: c.mailCodeInSubject,
    link: c.mailLink,
    ...(c.redisUrl || c.redisClusterNodes
      ? {
          queue: {
            ...(c.redisClusterNodes ? { clusterNodes: c.redisClusterNodes } : { url: c.redisUrl }),
            name: c.mailQueue,
            worker: c.mailWorker === 'inline',
            lockMs: c.mailLockSeconds * 1000,
            temporary: c.mailQueueTemporary,
          },
        }
      : {}),
  }),
  otp: (c: AppConfig): OtpModuleOptions => ({
    secret: c.otpSecret,
    length: c.otp.length,
    ttlSeconds: c.otp.ttlSeconds,
    maxAttempts: c.otp.maxAttempts,
    resendSeconds: c.otp.resendSeconds,
    validCodes: c.otp.validCodes,
  }),
  database: (c: AppConfig) => ({ url: c.databaseUrl! }),
  /** With DATABASE_URL, remembered and known browsers live in PostgreSQL beside the account's credentials. */
  devices: (c: AppConfig): DevicesModuleOptions => ({
    rememberDays: c.rememberDeviceDays,
    secure: c.secureCookies,
    ...(c.databaseUrl ? { store: PostgresDeviceStore } : {}),
  }),
  /** With DATABASE_URL, accounts and their credentials live in PostgreSQL; else Redis, else memory. */
  auth: (c: AppConfig): AuthModuleOptions => ({
    firstFactor: c.firstFactor,
    signup: c.signup,
    passwordHash: { memoryKib: c.password.memoryKib, iterations: c.password.iterations },
    mfaEmailFallback: c.mfaEmailFallback,
    aal2Factors: c.aal2Factors,
    ...(c.databaseUrl ? { userStore: PostgresUserStore } : {}),
  }),
  totp: (c: AppConfig): TotpModuleOptions => ({
    encryptionKeys: c.mfaEncryptionKeys,
    issuer: 'Sign-in',
    ...(c.databaseUrl ? { store: PostgresTotpStore } : {}),
  }),
  /** The codes' HMAC key is derived from OTP_SECRET (a new OTP_SECRET voids every recovery code). */
  recoveryCodes: (c: AppConfig): RecoveryCodesModuleOptions => ({
    secret: createHmac('sha256', c.otpSecret).update('recovery-codes').digest(),
    ...(c.databaseUrl ? { store: PostgresRecoveryCodeStore } : {}),
  }),
  /**
   * The relying party is APP_URL's host and its origin the only one allowed; the WebAuthn user handle
   * key is derived from OTP_SECRET (a user handle is an opaque id, not a secret: changing it only
   * makes authenticators store a new passkey beside the old one).
   */
  passkeys: (c: AppConfig): PasskeysModuleOptions => ({
    rpId: new URL(c.appUrl).hostname,
    rpName: 'Sign-in',
    origins: [c.appOrigin],
    userHandleKey: createHmac('sha256', c.otpSecret).update('webauthn-user-handle').digest(),
    ...(c.databaseUrl ? { store: PostgresPasskeyStore } : {}),
  }),
  /** Accounts' pseudonyms in auth event lines: stable while OTP_SECRET is. */
  logging: (c: AppConfig): LoggingModuleOptions => ({
    pseudonymKey: createHmac('sha256', c.otpSecret).update('log-pseudonyms').digest(),
  }),
  /**
   * METRICS_PORT: a server of its own. Process metrics are left out of tests (many apps in one
   * process, each would watch the event loop).
   */
  metrics: (c: AppConfig): MetricsModuleOptions => ({
    ...(c.metricsPort !== undefined ? { port: c.metricsPort } : {}),
    nodeMetrics: c.env !== 'test',
  }),
};

/** True when this server counts and serves metrics: `METRICS_PORT`, or outside production on the public port. */
export function usesMetrics(c: AppConfig): boolean {
  return c.metricsPort !== undefined || c.metricsOnPublicPort;
}

/** True when mails go to the development outbox (no SMTP_URL, never in production). */
export function usesDevOutbox(c: AppConfig): boolean {
  return !c.smtpUrl && c.env !== 'production';
}
