import type { ColumnType, Kysely } from 'kysely';

/**
 * A PostgreSQL `bigint`. node-postgres reads int8 as a string (it may not fit a JS number), so
 * stores convert with `Number()` where the port promises a safe integer; numbers are accepted on write.
 */
export type Int8 = ColumnType<string, number | string, number | string>;

/** `accounts`: one row per account, keyed by normalised email (see `User`). */
export interface AccountsTable {
  email: string;
  /** argon2id PHC string; null for accounts that sign in with the emailed code alone. */
  password_hash: string | null;
  created_at: Date;
}

/** `totp_credentials`: an account's authenticator (see `TotpCredential`). No foreign key to `accounts`. */
export interface TotpCredentialsTable {
  email: string;
  /** The TOTP secret sealed with `SecretBox` (never in clear). */
  sealed_secret: string;
  created_at: Date;
  /** Last accepted time step (floor(unix seconds / 30)); only ever moves forward. */
  last_step: Int8;
}

/** `totp_pending`: sealed secrets waiting for their confirming code, until `expires_at` (database clock). */
export interface TotpPendingTable {
  id: string;
  sealed_secret: string;
  expires_at: Date;
}

/** `recovery_codes`: one row per unused recovery code hash of an account. */
export interface RecoveryCodesTable {
  email: string;
  /** `RecoveryCodesService.hash` of the code (HMAC-SHA256, base64url). */
  hash: string;
}

/** `passkey_credentials`: one row per passkey (see `PasskeyCredential`). No foreign key to `accounts`. */
export interface PasskeyCredentialsTable {
  /** The credential id (base64url). */
  id: string;
  email: string;
  /** The COSE public key (base64url). */
  public_key: string;
  /** The signature counter last seen; only ever moves forward. */
  counter: Int8;
  /** Comma list, as the browser reported them. */
  transports: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** `passkey_challenges`: WebAuthn challenges waiting for their answer, until `expires_at` (database clock). */
export interface PasskeyChallengesTable {
  challenge: string;
  binding: string;
  expires_at: Date;
}

/**
 * `devices`: trusted browsers (see `DeviceRecord`), keyed by the SHA-256 of their cookie's token (the
 * token itself is never stored). Live until `expires_at` (the app's clock, as the record says).
 */
export interface DevicesTable {
  /** SHA-256 of the cookie's random token, base64url. */
  hash: string;
  /** The public id, kept across rotations. */
  id: string;
  email: string;
  kind: 'remembered' | 'known';
  created_at: Date;
  expires_at: Date;
  device: string;
  ip: string;
  /** Null on rows saved before migration 0004. */
  last_used_at: Date | null;
}

/** Every table the migrations in `migrations/` create, as Kysely sees them. */
export interface DatabaseSchema {
  accounts: AccountsTable;
  totp_credentials: TotpCredentialsTable;
  totp_pending: TotpPendingTable;
  recovery_codes: RecoveryCodesTable;
  passkey_credentials: PasskeyCredentialsTable;
  passkey_challenges: PasskeyChallengesTable;
  devices: DevicesTable;
}

/** The query builder the stores use: Kysely over a `pg.Pool`, typed with {@link DatabaseSchema}. */
export type Database = Kysely<DatabaseSchema>;
