import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Clock, SystemClock } from '../clock/index.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { MemoryOtpStore } from './memory-otp.store.js';
import { OTP_MODULE_OPTIONS, type OtpModuleOptions, type ResolvedOtpOptions } from './otp.module-definition.js';
import { OtpStore } from './otp-store.js';
import { RedisOtpStore } from './redis-otp.store.js';

/** Token of the {@link ResolvedOtpOptions} (defaults applied, validated). */
export const RESOLVED_OTP_OPTIONS = Symbol('RESOLVED_OTP_OPTIONS');

/**
 * Applies defaults and rejects options that would make codes weak or unusable. The clock is
 * `options.clock`, else the app's {@link Clock} provider when there is one (`AuthModule`'s), else
 * the system clock.
 */
export function resolveOtpOptions(o: OtpModuleOptions, appClock?: Clock): ResolvedOtpOptions {
  const problems: string[] = [];
  if (!o.secret || o.secret.length < 32) problems.push('secret must be at least 32 characters');
  const length = o.length ?? 6;
  if (!Number.isInteger(length) || length < 4 || length > 10) problems.push('length must be an integer from 4 to 10');
  for (const k of ['ttlSeconds', 'maxAttempts', 'resendSeconds', 'validCodes'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) problems.push(`${k} must be a positive integer`);
  }
  for (const [k, v] of Object.entries(o.failurePolicy ?? {})) {
    if (!Number.isInteger(v) || v < 1) problems.push(`failurePolicy.${k} must be a positive integer`);
  }
  for (const cap of o.sendCaps ?? []) {
    if (!(cap.windowMs >= 1 && cap.max >= 1)) problems.push('sendCaps need a positive windowMs and max');
  }
  if (problems.length) throw new Error(`OtpModule options: ${problems.join('; ')}`);
  return {
    secret: o.secret,
    length,
    ttlMs: (o.ttlSeconds ?? 600) * 1000,
    maxAttempts: o.maxAttempts ?? 5,
    validCodes: o.validCodes ?? 3,
    send: {
      cooldownMs: (o.resendSeconds ?? 60) * 1000,
      caps: o.sendCaps ?? [
        { windowMs: 3_600_000, max: 5 },
        { windowMs: 86_400_000, max: 10 },
      ],
    },
    failure: {
      threshold: 10,
      windowMs: 86_400_000,
      baseLockMs: 15 * 60_000,
      maxLockMs: 86_400_000,
      ...o.failurePolicy,
    },
    clock: o.clock ?? appClock ?? new SystemClock(),
  };
}

/** The resolved options and the {@link OtpStore}: the option's class, else Redis when a client exists, else memory. */
export const otpProviders: Provider[] = [
  {
    provide: RESOLVED_OTP_OPTIONS,
    useFactory: resolveOtpOptions,
    inject: [OTP_MODULE_OPTIONS, { token: Clock, optional: true }],
  },
  {
    provide: OtpStore,
    useFactory: (o: OtpModuleOptions, redis: RedisClient | null, moduleRef: ModuleRef) => {
      if (o.store) return moduleRef.create(o.store);
      return redis ? new RedisOtpStore(redis, { keyPrefix: o.keyPrefix }) : new MemoryOtpStore();
    },
    inject: [OTP_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }, ModuleRef],
  },
];
