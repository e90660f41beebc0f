import type { PasskeyCredential, PasskeyUse } from './passkey.types.js';

/**
 * Storage port for passkeys (WebAuthn credentials, looked up by credential id and listed by account)
 * and for the WebAuthn challenges waiting for their answer. {@link add}, {@link recordUse} and
 * {@link takeChallenge} decide, so they must be atomic: of concurrent calls with the same argument,
 * one wins.
 *
 * Implementations: {@link RedisPasskeyStore}, {@link MemoryPasskeyStore}, `PostgresPasskeyStore`.
 * Any other implementation should pass `passkeyStoreContract` (from `nest-mfa-signin/testing`).
 */
export abstract class PasskeyStore {
  /** Adds a passkey; false (and nothing changes) when a credential with its id exists (any account's). */
  abstract add(credential: PasskeyCredential): Promise<boolean>;

  /** The passkey with this credential id, or null. */
  abstract get(id: string): Promise<PasskeyCredential | null>;

  /** The account's passkeys, oldest first. */
  abstract list(email: string): Promise<PasskeyCredential[]>;

  /**
   * Records a verified sign-in with the passkey: its new counter, backup state and time, only when
   * the counter moved forward (or stays 0 for an authenticator that keeps none). False, and nothing
   * stored, when the counter did not move forward (a cloned authenticator or a replay: W3C WebAuthn
   * §6.1.1 "signature counter") or the passkey is gone.
   */
  abstract recordUse(id: string, use: PasskeyUse): Promise<boolean>;

  /** Renames one of the account's passkeys; null when the account has no passkey with this id. */
  abstract rename(email: string, id: string, name: string): Promise<PasskeyCredential | null>;

  /** Removes one of the account's passkeys; false when the account has no passkey with this id. */
  abstract remove(email: string, id: string): Promise<boolean>;

  /**
   * Keeps a challenge (base64url) with what it is bound to (an opaque string: the session and the
   * purpose) for `ttlSeconds` (a positive integer).
   * @throws RangeError when `ttlSeconds` is not a positive integer.
   */
  abstract saveChallenge(challenge: string, binding: string, ttlSeconds: number): Promise<void>;

  /** Reads and deletes a challenge's binding in one step: null when unknown, expired or already taken. */
  abstract takeChallenge(challenge: string): Promise<string | null>;
}

/** Throws the RangeError every store gives for a bad challenge TTL. */
export function assertChallengeTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`ttlSeconds must be a positive integer number of seconds, got ${ttlSeconds}`);
  }
}

/** True when a use may be recorded over `counter` (W3C WebAuthn §6.1.1: it must grow unless both are 0). */
export function counterMovesForward(stored: number, next: number): boolean {
  return next > stored || (stored === 0 && next === 0);
}
