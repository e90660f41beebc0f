/** Why a challenge exists. Later flows (password reset, step-up) add their purpose here. */
export type ChallengePurpose = 'sign-in' | 'sign-up' | 'password-reset' | 'step-up';

/**
 * What a challenge waits for: `email-otp`, a code this service made and mailed; `second-factor`,
 * an answer checked elsewhere (an authenticator app, a recovery code) and settled here, so its
 * attempts, deadline and the identifier's lock work exactly as for codes.
 */
export type ChallengeFactor = 'email-otp' | 'second-factor';

/** A pending proof: "someone holding `identifier` must show `factor` for `purpose`". */
export interface Challenge {
  id: string;
  purpose: ChallengePurpose;
  identifier: string;
  factor: ChallengeFactor;
  /** Epoch ms after which the challenge is gone. Resends never move it. */
  expiresAt: number;
  attemptsRemaining: number;
  /** Small string data the flow carries to completion (e.g. a pending account's password hash). */
  meta?: Record<string, string>;
  /** True when the mail of the latest code could not be delivered (set by the mailer, cleared by a resend). */
  undelivered?: boolean;
  /** How many times a code was sent for it (1 at the start, +1 per resend): a mail's idempotency key. */
  sends?: number;
}

/**
 * A challenge as stored: the keyed digests of the answers it accepts (its latest codes and links,
 * newest first), never the answers themselves.
 */
export interface StoredChallenge extends Challenge {
  digests: string[];
}

/** Per-identifier lock-out after repeated wrong answers. */
export interface FailurePolicy {
  /** The failure that triggers the first lock (the 10th by default). */
  threshold: number;
  /** Failures are counted over this window (24 h by default). */
  windowMs: number;
  /** First lock; each further failure doubles it, up to `maxLockMs`. */
  baseLockMs: number;
  maxLockMs: number;
}

/**
 * Whose failures a check counts, and how: by default the identifier under the module's policy; a
 * browser the account trusts (a known device) has its own subject and a small budget of its own,
 * so a stranger's wrong answers, which lock the identifier, do not lock its owner out.
 */
export interface LockScope {
  /**
   * Whose lock and failures, instead of the identifier's: `<identifier>#<qualifier>` (a known
   * device: `<email>#kd:<device hash>`), always under its account.
   */
  subject?: string;
  /** Its failure policy, with `subject` (default the module's). */
  policy?: FailurePolicy;
  /** Who is answering (for the lock's notice): never used to decide anything. */
  client?: LockClient;
}

/** The browser and network of the request whose wrong answer may start a lock. */
export interface LockClient {
  /** e.g. `Firefox on Linux`. */
  device?: string;
  /** The address's network (`203.0.113.0/24`). */
  ip?: string;
  /** The reader's languages, best first. */
  locales?: readonly string[];
}

/** Per-identifier limits on sending codes. */
export interface SendPolicy {
  cooldownMs: number;
  caps: { windowMs: number; max: number }[];
}

/**
 * What a store keeps of one lock subject, for an operator's eyes: counts and times, never a code,
 * a digest or a challenge.
 */
export interface SubjectCounters {
  /** Milliseconds left on the lock; 0 when not locked. */
  lockedMs: number;
  /** Failures counted in the current window; 0 when none. */
  failures: number;
  /** Milliseconds until that count is forgotten; 0 when there is none. */
  failuresResetMs: number;
  /** Epoch ms of the subject's sends still kept for its send budget, oldest first. */
  sends: number[];
}

/** What {@link OtpStore.consume} found. */
export type ConsumeResult =
  | { status: 'ok'; challenge: Challenge }
  | { status: 'invalid'; attemptsRemaining: number; lockMs: number }
  | { status: 'expired' }
  | { status: 'locked'; retryAfterMs: number };
