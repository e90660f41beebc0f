import { randomBytes } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { HOTP, Secret, TOTP } from 'otpauth';
import { toString as qrToString } from 'qrcode';
import { Clock, SystemClock } from '../clock/index.js';
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS, TOTP_WINDOW } from './totp.types.js';

/** 160-bit secrets, the HMAC-SHA-1 output size that RFC 4226 §4 (R6) recommends. */
const SECRET_BYTES = 20;
const ALGORITHM = 'SHA1';
/** Exactly six ASCII digits: no spaces, signs or other scripts' digits reach the comparison. */
const CODE = /^[0-9]{6}$/;

/**
 * Authenticator-app codes (RFC 6238 TOTP): HMAC-SHA-1, 6 digits, 30-second steps, one step of
 * drift either side. Stateless: the replay guard of RFC 6238 §5.2 is {@link TotpStore.acceptStep},
 * called with the step {@link matchStep} returns.
 *
 * Time comes from the injected {@link Clock} (default: the system clock); every method that needs
 * it also takes an explicit `now` in epoch ms.
 *
 * @example
 * const step = totp.matchStep(secret, code);
 * if (step !== null && (await store.acceptStep(email, step))) { ...signed in... }
 */
@Injectable()
export class TotpService {
  constructor(@Optional() protected readonly clock: Clock = new SystemClock()) {}

  /** A new random secret: 160 bits from `crypto.randomBytes`, as 32 base32 characters (A-Z, 2-7). */
  generateSecret(): string {
    // A copy, so the Secret owns exactly these 20 bytes.
    return new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
  }

  /**
   * The `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
   * URI that authenticator apps read (Google Authenticator "Key Uri Format").
   * @throws RangeError when `accountName` or `issuer` contains ":" (the format's label separator)
   *   or `accountName` is empty.
   */
  otpauthUrl(secret: string, accountName: string, issuer: string): string {
    if (accountName === '' || accountName.includes(':')) {
      throw new RangeError('The account name of an authenticator must be non-empty and contain no ":"');
    }
    if (issuer.includes(':')) throw new RangeError('The issuer of an authenticator must not contain ":"');
    return new TOTP({
      issuer,
      label: accountName,
      secret: Secret.fromBase32(secret),
      algorithm: ALGORITHM,
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
    }).toString();
  }

  /** The URI as an SVG QR code (a string starting `<svg`, one module of quiet zone), for enrolment pages. */
  qrSvg(url: string): Promise<string> {
    return qrToString(url, { type: 'svg', margin: 1 });
  }

  /** The time step at `now`: floor(unix seconds / 30) (RFC 6238 §4.2, T0 = 0). */
  stepAt(now: number = this.clock.now()): number {
    return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
  }

  /**
   * The time step whose code `code` is, looking at the step of `now` and one either side; null when
   * it matches none, or is not exactly 6 ASCII digits. Each candidate is compared in constant time.
   * Pass the result to {@link TotpStore.acceptStep} so a code is accepted once (RFC 6238 §5.2).
   * @param secret base32 secret, as made by {@link generateSecret}.
   * @throws TypeError when `secret` is not base32.
   */
  matchStep(secret: string, code: string, now: number = this.clock.now()): number | null {
    if (!CODE.test(code)) return null;
    const step = this.stepAt(now);
    const delta = HOTP.validate({
      token: code,
      secret: Secret.fromBase32(secret),
      algorithm: ALGORITHM,
      digits: TOTP_DIGITS,
      counter: step,
      window: TOTP_WINDOW,
    });
    return delta === null ? null : step + delta;
  }

  /** The code of the step at `now` (what the authenticator app shows), for tests and the testing kit. */
  generate(secret: string, now: number = this.clock.now()): string {
    return HOTP.generate({
      secret: Secret.fromBase32(secret),
      algorithm: ALGORITHM,
      digits: TOTP_DIGITS,
      counter: this.stepAt(now),
    });
  }
}
