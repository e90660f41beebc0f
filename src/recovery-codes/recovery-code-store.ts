/**
 * Storage port for the hashes of an account's recovery codes (see `RecoveryCodesService.hash`),
 * keyed by normalised email. {@link consume} decides, so it must be atomic: each code works once,
 * even when the same code is sent many times at once.
 *
 * Implementations: {@link RedisRecoveryCodeStore}, {@link MemoryRecoveryCodeStore}. Any other
 * implementation should pass `recoveryCodeStoreContract`.
 */
export abstract class RecoveryCodeStore {
  /** Makes `hashes` the account's set, voiding every code of the previous set. An empty list leaves none. */
  abstract replace(email: string, hashes: string[]): Promise<void>;

  /**
   * Removes `hash` from the account's set and returns how many codes are left (0 after the last one);
   * null when it is not in the set (wrong, already used, voided, or no set).
   */
  abstract consume(email: string, hash: string): Promise<number | null>;

  /** How many unused codes the account has (0 when it has no set). */
  abstract count(email: string): Promise<number>;

  /** Deletes the account's set; false when it had no unused codes. */
  abstract remove(email: string): Promise<boolean>;
}
