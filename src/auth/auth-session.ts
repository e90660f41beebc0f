import 'express-session';
import { isObject, isStrings, isTime, type SessionFields } from '../session/index.js';

/**
 * A factor a session can pass: `pwd` (the password), `email_otp` (a code sent by email), `totp`
 * (an authenticator app, RFC 6238), `recovery_code`, and `passkey`; a host app may add its own.
 */
export type FactorId = 'pwd' | 'email_otp' | 'totp' | 'recovery_code' | 'passkey' | (string & {});

/** A signed-in person, as the session records them. */
export interface SessionUser {
  email: string;
  /** The factors this session passed (distinct, in the order passed). */
  factors: FactorId[];
  /** Authenticator assurance level (NIST SP 800-63B): 2 when two distinct factors count, else 1. */
  aal: 1 | 2;
  /** Authentication methods (RFC 8176): `pwd`, `otp`, `hwk`, `swk`, `user`, and `mfa` with two factors or more. */
  amr: string[];
  /** Epoch ms of the sign-in, renewed by a step-up. */
  authTime: number;
  /**
   * Set when a remembered browser skipped the second factor at this sign-in: `@FreshAuth` routes
   * ask for a step-up first, which clears it.
   */
  remembered?: true;
}

/** What the pending step waits for: an emailed code, or one of the account's second factors. */
export type PendingStep = 'email_otp' | 'second_factor';

/** A sign-in, sign-up or step-up in progress: the factors passed so far and the step it waits on. */
export interface PendingSignIn {
  /** The id of the current step's challenge (its attempts, deadline and the identifier's lock). */
  id: string;
  purpose: 'sign-in' | 'sign-up' | 'step-up' | 'password-reset';
  identifier: string;
  /** Factors passed so far in this flow. */
  factors: FactorId[];
  step: PendingStep;
  /** The second factors accepted at this step (`second_factor`), in the order offered. */
  options?: FactorId[];
  /** Epoch ms of the last code sent (`email_otp`), for the page's resend countdown. */
  sentAt?: number;
  /** Epoch ms the step's challenge ends: past it, a missing challenge has expired (else its attempts ran out). */
  expiresAt?: number;
}

/** The browser a session was signed in from, as its owner sees it in the session list. */
export interface SessionClient {
  /** e.g. `Firefox on Linux`. */
  device: string;
  /** The address's network (`203.0.113.0/24`). */
  ip: string;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    client?: SessionClient;
    pending?: PendingSignIn;
    /** Where to go after signing in (a local path). */
    returnTo?: string;
  }
}

const FACTOR = /^[a-z][a-z0-9_]{0,31}$/;
const isFactors = (v: unknown): v is FactorId[] => isStrings(v) && v.every((f) => FACTOR.test(f));

/** True when a stored `user` has the shape of {@link SessionUser}. */
export function isSessionUser(u: unknown): boolean {
  return (
    isObject(u) &&
    typeof u.email === 'string' &&
    isFactors(u.factors) &&
    (u.aal === 1 || u.aal === 2) &&
    isStrings(u.amr) &&
    isTime(u.authTime) &&
    (u.remembered === undefined || u.remembered === true)
  );
}

/** True when a stored `pending` has the shape of {@link PendingSignIn}. */
export function isPendingSignIn(p: unknown): boolean {
  return (
    isObject(p) &&
    typeof p.id === 'string' &&
    (p.purpose === 'sign-in' || p.purpose === 'sign-up' || p.purpose === 'step-up' || p.purpose === 'password-reset') &&
    typeof p.identifier === 'string' &&
    isFactors(p.factors) &&
    (p.step === 'email_otp' || p.step === 'second_factor') &&
    (p.options === undefined || isFactors(p.options)) &&
    (p.sentAt === undefined || isTime(p.sentAt)) &&
    (p.expiresAt === undefined || isTime(p.expiresAt))
  );
}

/** Registers auth's session fields, so that a record with another shape is "no session". */
export function registerAuthSessionFields(fields: SessionFields): void {
  fields.register('user', isSessionUser);
  fields.register('pending', isPendingSignIn);
  fields.register('returnTo', (v) => typeof v === 'string');
  fields.register('client', (v) => isObject(v) && typeof v.device === 'string' && typeof v.ip === 'string');
  // A signed-in record is its account's: the store keeps each account's sessions listed.
  fields.setOwner((r) => (isSessionUser(r.user) ? (r.user as SessionUser).email : undefined));
}

/** RFC 8176 method of each built-in factor. */
const AMR: Record<string, string[]> = {
  pwd: ['pwd'],
  email_otp: ['otp'],
  totp: ['otp'],
  recovery_code: ['otp'],
};

/**
 * The level a set of passed factors reaches. `aal` is 2 when at least two distinct factors were
 * passed and one of them is in `aal2Factors` (the second factors a deployment accepts for AAL2:
 * NIST SP 800-63B rev 4 does not accept email, so a strict deployment leaves `email_otp` out);
 * `self` lists factors that reach AAL2 alone (a passkey with user verification: something you have
 * and something you are or know). `amr` adds `mfa` when two or more distinct factors were passed.
 */
export function assurance(
  factors: FactorId[],
  aal2Factors: readonly FactorId[],
  extraAmr: Record<string, string[]> = {},
  self: readonly FactorId[] = [],
): { aal: 1 | 2; amr: string[] } {
  const distinct = [...new Set(factors)];
  const second = distinct.some((f) => aal2Factors.includes(f) && distinct.some((g) => g !== f));
  const aal = second || distinct.some((f) => self.includes(f)) ? 2 : 1;
  const amr = [...new Set(distinct.flatMap((f) => extraAmr[f] ?? AMR[f] ?? []))];
  if (distinct.length >= 2 || distinct.some((f) => self.includes(f))) amr.push('mfa');
  return { aal, amr };
}
