/**
 * An account's authenticator as stored by {@link TotpStore}.
 * The secret is never stored in clear: it is sealed with `SecretBox` (aad: the account email).
 */
export interface TotpCredential {
  /** The base32 TOTP secret, sealed (`v1.<keyId>.…`, see `SecretBox.seal`). */
  sealedSecret: string;
  /** When the authenticator was confirmed, in epoch ms. */
  createdAt: number;
  /**
   * The last time step (floor(unix seconds / 30)) whose code was accepted; codes of this step and
   * earlier ones are refused (RFC 6238 §5.2). Save the step of the enrolment's confirming code here.
   */
  lastStep: number;
}

/** Time step length in seconds (RFC 6238 §4.1 recommends 30). */
export const TOTP_PERIOD_SECONDS = 30;

/** Digits per code: 6, what every common authenticator app shows. */
export const TOTP_DIGITS = 6;

/**
 * Steps of clock drift accepted either side of the current one: 1, the one backward step
 * RFC 6238 §5.2 recommends, and one forward for devices running a little fast.
 */
export const TOTP_WINDOW = 1;

/** How long a new secret waits for its confirming code before it is dropped (10 minutes). */
export const TOTP_ENROLMENT_TTL_SECONDS = 600;
