/** What remembering a browser means: skip the second factor, or only be known to the account. */
export type DeviceKind = 'remembered' | 'known';

/** A browser an account trusts to some degree, as stored (its token only as a hash, the key). */
export interface DeviceRecord {
  /** A public id, safe to show and to pass back (never the token or its hash). */
  id: string;
  email: string;
  kind: DeviceKind;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
  /**
   * Epoch ms of its last use: the last sign-in it took part in (each one renews its token). Absent
   * on a device stored before this was kept.
   */
  lastUsedAt?: number;
  /** e.g. `Firefox on Linux`. */
  device: string;
  /** The address's network. */
  ip: string;
}

/**
 * Storage port for trusted browsers, keyed by the SHA-256 of their cookie's random token. `take`
 * decides (rotation: of two browsers presenting one copied token, one gets it), so it must be atomic.
 * A device is live until its `expiresAt`: past it, no method answers it.
 *
 * Implementations: {@link RedisDeviceStore}, {@link MemoryDeviceStore}, `PostgresDeviceStore`.
 * Any other implementation should pass `deviceStoreContract` (from `nest-mfa-signin/testing`).
 */
export abstract class DeviceStore {
  /** Saves a device until its `expiresAt`. */
  abstract save(hash: string, record: DeviceRecord): Promise<void>;
  /** The live device of this hash, or null. */
  abstract get(hash: string): Promise<DeviceRecord | null>;
  /** Reads and deletes in one step: null when unknown, expired or already taken. */
  abstract take(hash: string): Promise<DeviceRecord | null>;
  /** The account's live devices with their hashes. */
  abstract list(email: string): Promise<{ hash: string; record: DeviceRecord }[]>;
  /** Deletes those of `hashes` that are the account's devices (another account's are left alone). */
  abstract remove(email: string, hashes: string[]): Promise<void>;
}
