import type { TotpCredential } from './totp.types.js';

/**
 * Storage port for authenticator credentials (one per account, keyed by normalised email) and for
 * secrets waiting for their confirming code. {@link acceptStep} and {@link takePending} decide, so
 * they must be atomic: of many concurrent calls with the same argument exactly one may succeed.
 *
 * Implementations: {@link RedisTotpStore}, {@link MemoryTotpStore}. Any other implementation should
 * pass `totpStoreContract`.
 */
export abstract class TotpStore {
  /** The account's authenticator, or null when it has none. */
  abstract get(email: string): Promise<TotpCredential | null>;

  /** Stores the account's authenticator, replacing any previous one (and its `lastStep`). */
  abstract save(email: string, credential: TotpCredential): Promise<void>;

  /** Deletes the account's authenticator; false when it had none. */
  abstract remove(email: string): Promise<boolean>;

  /**
   * Records `step` as the last accepted time step, atomically and only when it is later than the
   * stored `lastStep`. False when it is not (the code, or an earlier one, was already used) or when
   * the account has no authenticator. This is the replay guard of RFC 6238 §5.2: a verifier must
   * not accept a second attempt of a code it has accepted, and with it every earlier code goes too.
   * @throws RangeError when `step` is not a non-negative safe integer.
   */
  abstract acceptStep(email: string, step: number): Promise<boolean>;

  /**
   * Keeps a new sealed secret under `id` (e.g. an enrolment id held in the session) for
   * `ttlSeconds` (a positive integer; 600 is {@link TOTP_ENROLMENT_TTL_SECONDS}), replacing what
   * `id` held.
   * @throws RangeError when `ttlSeconds` is not a positive integer.
   */
  abstract savePending(id: string, sealedSecret: string, ttlSeconds: number): Promise<void>;

  /** Reads and deletes the pending secret in one step: null when unknown, expired or already taken. */
  abstract takePending(id: string): Promise<string | null>;
}

/** Throws the RangeError every store gives for a bad step (Redis would otherwise fail on it differently). */
export function assertStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`step must be a non-negative integer, got ${step}`);
}

/** Throws the RangeError every store gives for a bad pending TTL (Redis would otherwise fail on it differently). */
export function assertPendingTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`ttlSeconds must be a positive integer number of seconds, got ${ttlSeconds}`);
  }
}
