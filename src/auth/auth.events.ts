import { IdentifierLockedError, InvalidCodeError } from '../otp/index.js';
import type { FactorId } from './auth-session.js';

/**
 * Events the sign-in flow emits (through `@nestjs/event-emitter`, when the app has it), so a host
 * app can audit or react to every step: `@OnEvent(AuthEvents.SignedIn)`, or all of them with a
 * wildcard emitter and `@OnEvent('auth.*')` (every name has two parts). They never carry a code, a
 * password, a secret or a session id.
 */
export const AuthEvents = {
  /** A step started: {@link ChallengeStartedEvent}. */
  ChallengeStarted: 'auth.challenge_started',
  /** A code was mailed (a first one or a resend; never for a decoy): {@link CodeSentEvent}. */
  CodeSent: 'auth.code_sent',
  /** A factor was passed: {@link FactorEvent}. */
  FactorPassed: 'auth.factor_passed',
  /** A wrong answer to a factor: {@link FactorEvent}. */
  FactorFailed: 'auth.factor_failed',
  /** A session was signed in: {@link SignedInEvent}. */
  SignedIn: 'auth.signed_in',
  /** A signed-in session confirmed it again: {@link SignedInEvent}. */
  SteppedUp: 'auth.stepped_up',
  /** A session signed out: {@link SignedOutEvent}. */
  SignedOut: 'auth.signed_out',
} as const;

/** Payload of {@link AuthEvents.ChallengeStarted}. */
export interface ChallengeStartedEvent {
  identifier: string;
  purpose: 'sign-in' | 'sign-up' | 'step-up' | 'password-reset';
  /** `email_otp` (a code was mailed, or a decoy started) or `second_factor`. */
  step: 'email_otp' | 'second_factor';
  /** The factors accepted at a `second_factor` step. */
  factors?: FactorId[];
  /**
   * Whether the account exists, when the emitter knows it (listeners that act only for existing
   * accounts skip their own lookup); absent when it does not know.
   */
  account?: boolean;
}

/** Payload of {@link AuthEvents.CodeSent}: to whom and why, never the code. */
export interface CodeSentEvent {
  identifier: string;
  purpose: 'sign-in' | 'sign-up' | 'step-up' | 'password-reset';
  /** Which send of its challenge (1 for the first). */
  send: number;
  /** Whether the account exists, when the purpose tells (a sign-up has none, a sign-in one). */
  account?: boolean;
}

/**
 * Why a factor failed ({@link AuthEvents.FactorFailed}): the error code the client got
 * (`invalid_credentials`, `invalid_code`, `invalid_passkey`, `locked`), or `unavailable` when the
 * answer could not be checked (the store failed).
 */
export type FactorFailure = 'invalid_credentials' | 'invalid_code' | 'invalid_passkey' | 'locked' | 'unavailable';

/** The {@link FactorFailure} of an error thrown by a code check (`OtpService.verify`, `settleStep`). */
export function codeFailureOf(err: unknown): FactorFailure {
  if (err instanceof InvalidCodeError) return 'invalid_code';
  return err instanceof IdentifierLockedError ? 'locked' : 'unavailable';
}

/** Payload of {@link AuthEvents.FactorPassed} and {@link AuthEvents.FactorFailed}. */
export interface FactorEvent {
  identifier: string;
  /** What the answer was for; `password-change`: the current password at `POST /account/password`. */
  purpose: 'sign-in' | 'sign-up' | 'step-up' | 'password-reset' | 'password-change';
  factor: FactorId;
  /** Set on {@link AuthEvents.FactorFailed}: why. */
  reason?: FactorFailure;
  /**
   * Whether the account exists, when the emitter knows it (listeners that act only for existing
   * accounts skip their own lookup); absent when it does not know.
   */
  account?: boolean;
}

/** Payload of {@link AuthEvents.SignedIn} and {@link AuthEvents.SteppedUp}. */
export interface SignedInEvent {
  email: string;
  factors: FactorId[];
  aal: 1 | 2;
  /** e.g. `Firefox on Linux` (a sign-in). */
  device?: string;
  /** The address's network (a sign-in). */
  ip?: string;
  /** True for a sign-in from a browser the account did not know (no known or remembered device). */
  newBrowser?: boolean;
  /** The reader's languages, best first (for a notice mail). */
  locales?: readonly string[];
  /** Always true: a session signs in (or steps up) only to an existing account. */
  account?: boolean;
}

/** Payload of {@link AuthEvents.SignedOut}. */
export interface SignedOutEvent {
  /** Absent when the session was not signed in. */
  email?: string;
}
