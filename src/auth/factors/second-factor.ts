import type { FactorId } from '../auth-session.js';

/** What a second factor is told about the check it is asked to make. */
export interface FactorCheck {
  /** The account (normalised email). */
  identifier: string;
  /** Why: signing in, signing up, or a step-up of a signed-in session. */
  purpose: 'sign-in' | 'sign-up' | 'step-up' | 'password-reset';
  /** The reader's languages, best first (for a notice the factor sends). */
  locales?: readonly string[];
  /** The browser and network answering (e.g. `Firefox on Linux`, `203.0.113.0/24`), for a notice. */
  device?: string;
  ip?: string;
}

/**
 * The port every second factor implements (an authenticator app, recovery codes, a host app's
 * own). The sign-in flow asks each registered factor whether an account has it, and hands it the
 * answer of `POST /verify`; the flow itself counts attempts, applies the identifier's lock and
 * signs the session in. Register an implementation with {@link FactorRegistry.register} (from a
 * module's `onModuleInit`).
 */
export abstract class SecondFactor {
  /** Its name in `factors` (e.g. `totp`). */
  abstract readonly id: FactorId;
  /**
   * `primary`: having it makes the second factor required at every sign-in (an authenticator app).
   * `backup`: accepted in place of a primary one, never required by itself (recovery codes).
   */
  abstract readonly kind: 'primary' | 'backup';
  /**
   * The `POST /verify` body field that carries its answer (`code`, `recoveryCode`), if it has one of
   * its own; any factor is also answered with `{ "factor": "<id>", "answer": "..." }`.
   */
  abstract readonly field?: string;
  /** RFC 8176 `amr` values it contributes (default `otp`). */
  readonly amr: string[] = ['otp'];
  /**
   * True when passing it alone proves two factors, a multi-factor authenticator in NIST SP 800-63B's
   * terms (a passkey with user verification: something you have, and something you are or know):
   * a sign-in with it reaches AAL2 and asks for no other factor.
   */
  readonly multiFactor: boolean = false;

  /**
   * True when `answer` has this factor's format (e.g. 6 digits). A malformed answer is a 400 that
   * counts nothing, like a malformed emailed code.
   */
  abstract isWellFormed(answer: string): boolean;

  /** True when the account has this factor. */
  abstract isEnrolled(identifier: string): Promise<boolean>;

  /**
   * Checks an answer and, when it is right, spends it (a TOTP time step, a recovery code), so the
   * same answer can never pass twice. False for a wrong answer; the flow counts the failure.
   */
  abstract verify(check: FactorCheck, answer: string): Promise<boolean>;
}
