/** How long a WebAuthn challenge may be answered: 5 minutes. */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 300;

/** A passkey's name: 1 to 64 characters of one line (default: the browser it was added from). */
export const PASSKEY_NAME_MAX = 64;

/** Passkeys an account may have: beyond this, adding one answers 409 `passkey_limit`. */
export const PASSKEYS_PER_ACCOUNT_MAX = 20;

/**
 * A WebAuthn credential (a passkey) of an account, as the relying party keeps it (WebAuthn Level 3
 * §6.1 "credential record"). Ids and keys are base64url.
 */
export interface PasskeyCredential {
  /** The credential id (base64url), unique across accounts. */
  id: string;
  /** The account (normalised email). */
  email: string;
  /** The COSE public key (base64url). */
  publicKey: string;
  /** The signature counter last seen (0 when the authenticator keeps none). */
  counter: number;
  /** How the browser can reach the authenticator (`internal`, `hybrid`, `usb`...), as it reported. */
  transports: string[];
  /** `multiDevice` for a synced passkey, `singleDevice` for one bound to its authenticator (the BE flag). */
  deviceType: 'singleDevice' | 'multiDevice';
  /** True when the passkey is backed up (the BS flag); may change over its life. */
  backedUp: boolean;
  /** The owner's name for it. */
  name: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last sign-in with it. */
  lastUsedAt?: number;
}

/** What {@link PasskeyStore.recordUse} stores after a verified assertion. */
export interface PasskeyUse {
  counter: number;
  backedUp: boolean;
  /** Epoch ms. */
  at: number;
}
