/** A "this wasn't me" token's meaning: which account, after which notice. */
export interface NotMeGrant {
  email: string;
  /** The notice it came with (e.g. `newSignIn`). */
  event: string;
  /** Epoch ms. */
  createdAt: number;
  /** What the notice is about, undone by the link (a new passkey's credential id). */
  ref?: string;
}

/** One line of an account's security activity: never a code, a password, a token or a session id. */
export interface ActivityEntry {
  /** Epoch ms. */
  at: number;
  /** The event's name, e.g. `auth.signed_in`. */
  event: string;
  device?: string;
  ip?: string;
}

/**
 * Storage port for the account pages: single-use "this wasn't me" grants (keyed by the SHA-256 of
 * their token; `takeGrant` decides, atomically) and each account's recent security activity.
 * Implementations: {@link RedisAccountStore}, {@link MemoryAccountStore}.
 */
export abstract class AccountStore {
  /** Keeps a grant until `ttlMs` from now. */
  abstract saveGrant(hash: string, grant: NotMeGrant, ttlMs: number): Promise<void>;
  /** Reads and deletes a grant in one step: null when unknown, expired or already used. */
  abstract takeGrant(hash: string): Promise<NotMeGrant | null>;
  /** Adds an entry, keeping the newest `keep`, the whole list expiring `ttlMs` after its last entry. */
  abstract addActivity(email: string, entry: ActivityEntry, keep: number, ttlMs: number): Promise<void>;
  /** The newest entries first, at most `limit`. */
  abstract activity(email: string, limit: number): Promise<ActivityEntry[]>;
}
