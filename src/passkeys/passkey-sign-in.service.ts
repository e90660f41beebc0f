import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import {
  type Authenticated,
  AuthEvents,
  type FactorEvent,
  PasswordHold,
  PasswordResetRequiredError,
  type PendingSignIn,
  type SecondFactorRequired,
  SignInFlow,
} from '../auth/index.js';
import { ChallengeExpiredError, InvalidCodeError, OtpService, OtpThrottleService } from '../otp/index.js';
import type { SessionHandle } from '../session/index.js';
import { type ChallengePurpose, PasskeyChallenges } from './passkey-challenges.service.js';
import { challengeOf, readAuthenticationResponse } from './passkey-response.js';
import { PasskeyStore } from './passkey-store.js';
import { PASSKEY_CHALLENGE_TTL_SECONDS, type PasskeyCredential } from './passkey.types.js';
import { InvalidPasskeyError } from './passkeys.errors.js';
import { InjectPasskeysOptions, type PasskeysModuleOptions } from './passkeys.module-definition.js';

/**
 * Signing in with a passkey (W3C WebAuthn §7.2 authentication): as the only step (a discoverable
 * credential with user verification counts as two factors), or as the second factor of a pending
 * sign-in or step-up. Every failure answers the same 401 `invalid_passkey`; one with a credential
 * that names an account counts toward that account's lock, like a wrong code.
 */
@Injectable()
export class PasskeySignIn {
  private readonly logger = new Logger('Passkeys');

  constructor(
    @InjectPasskeysOptions() protected readonly options: PasskeysModuleOptions,
    protected readonly store: PasskeyStore,
    protected readonly challenges: PasskeyChallenges,
    protected readonly flow: SignInFlow,
    protected readonly otp: OtpService,
    protected readonly throttle: OtpThrottleService,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly hold?: PasswordHold,
  ) {}

  /**
   * Request options for this session: at a pending step that offers `passkey`, the account's
   * passkeys (user verification preferred); otherwise any discoverable credential, with user
   * verification required (the browser offers them in the email field, or in its own dialog).
   */
  async requestOptions(session: SessionHandle): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const step = this.passkeyStep(session);
    const allow = step
      ? (await this.store.list(step.identifier)).map((c) => ({ id: c.id, transports: c.transports }))
      : [];
    const options = await generateAuthenticationOptions({
      rpID: this.options.rpId,
      userVerification: step ? 'preferred' : 'required',
      ...(step ? { allowCredentials: allow } : {}),
      timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
    });
    await this.challenges.issue(session, options.challenge, step ? `step:${step.id}` : 'sign-in');
    return options;
  }

  /**
   * Checks an assertion answering this session's request options: signs the session in, or passes
   * the pending step with `passkey` (then the flow decides what is next).
   * @throws ValidationFailedError (malformed), InvalidPasskeyError, IdentifierLockedError,
   * ChallengeExpiredError (the pending step ended)
   */
  async verify(session: SessionHandle, response: unknown): Promise<Authenticated | SecondFactorRequired> {
    const r = readAuthenticationResponse(response);
    const challenge = challengeOf(r.response.clientDataJSON);
    const step = this.passkeyStep(session);
    const purpose: ChallengePurpose = step ? `step:${step.id}` : 'sign-in';
    // Taken first: whatever happens next, this challenge is spent.
    const issued = await this.challenges.take(session, challenge, purpose);
    const credential = await this.store.get(r.id);
    return step
      ? this.verifyStep(session, step, r, issued ? challenge : undefined, credential)
      : this.verifySignIn(session, r, issued ? challenge : undefined, credential);
  }

  protected async verifySignIn(
    session: SessionHandle,
    r: AuthenticationResponseJSON,
    challenge: string | undefined,
    credential: PasskeyCredential | null,
  ): Promise<Authenticated> {
    if (!credential) throw new InvalidPasskeyError();
    const email = credential.email;
    const scope = await this.flow.lockScope(session, email);
    await this.throttle.assertNotLocked(email, scope);
    const amr = challenge ? await this.check(r, challenge, credential, true) : undefined;
    if (!amr) {
      await this.throttle.recordFailure(email, scope);
      this.failed(email, 'sign-in');
      throw new InvalidPasskeyError();
    }
    // "This wasn't me" holds every sign-in of the account until a password reset, a passkey's too;
    // checked after the proof, as after the password, so it tells nothing to anyone else.
    if (await this.hold?.isHeld(email)) throw new PasswordResetRequiredError();
    return this.flow.signInWith(session, email, 'passkey', amr);
  }

  /** At a pending step: the step's attempts, deadline and lock apply, as to any second factor. */
  protected async verifyStep(
    session: SessionHandle,
    p: PendingSignIn,
    r: AuthenticationResponseJSON,
    challenge: string | undefined,
    credential: PasskeyCredential | null,
  ): Promise<Authenticated | SecondFactorRequired> {
    const scope = await this.flow.lockScope(session, p.identifier);
    await this.throttle.assertNotLocked(p.identifier, scope);
    if (!(await this.otp.find(p.id))) throw new ChallengeExpiredError();
    const mine = credential?.email === p.identifier ? credential : null;
    const amr = challenge && mine ? await this.check(r, challenge, mine, false) : undefined;
    try {
      await this.otp.settleStep(p.id, p.identifier, p.purpose, amr !== undefined, scope);
    } catch (err) {
      if (err instanceof InvalidCodeError) {
        this.failed(p.identifier, p.purpose);
        throw new InvalidPasskeyError(err.attemptsRemaining);
      }
      throw err;
    }
    return this.flow.advance(session, p, 'passkey', { amr });
  }

  /**
   * The signature, challenge, origin, relying party and flags, then the counter, recorded atomically.
   * @returns the RFC 8176 `amr` of this proof (`swk` for a synced passkey, else `hwk`; `user`), or
   * undefined when it fails.
   */
  protected async check(
    r: AuthenticationResponseJSON,
    challenge: string,
    credential: PasskeyCredential,
    requireUserVerification: boolean,
  ): Promise<string[] | undefined> {
    let info;
    try {
      const result = await verifyAuthenticationResponse({
        response: r,
        expectedChallenge: challenge,
        expectedOrigin: this.options.origins,
        expectedRPID: this.options.rpId,
        // The counter is checked below, atomically with its update; the library's own check would
        // race with a concurrent sign-in.
        credential: { id: credential.id, publicKey: Buffer.from(credential.publicKey, 'base64url'), counter: 0 },
        requireUserVerification,
      });
      info = result.verified ? result.authenticationInfo : undefined;
    } catch {
      info = undefined;
    }
    if (!info) return undefined;
    // W3C WebAuthn §7.2 step 22: backup eligibility (BE) is fixed when the credential is made; an
    // assertion that claims otherwise is not from the authenticator we registered.
    if (info.credentialDeviceType !== credential.deviceType) {
      this.logger.warn(
        `Passkey refused: its backup eligibility changed (registered ${credential.deviceType}, got ${info.credentialDeviceType})`,
      );
      return undefined;
    }
    const recorded = await this.store.recordUse(credential.id, {
      counter: info.newCounter,
      backedUp: info.credentialBackedUp,
      at: Date.now(),
    });
    if (!recorded) {
      // W3C WebAuthn §6.1.1: a counter that does not grow may mean a cloned authenticator.
      this.logger.warn(
        `Passkey refused: its signature counter did not move forward (stored ${credential.counter}, got ${info.newCounter}); the authenticator may be cloned`,
      );
      return undefined;
    }
    return [credential.deviceType === 'multiDevice' ? 'swk' : 'hwk', 'user'];
  }

  /** The pending step this session answers with a passkey, if any. */
  protected passkeyStep(session: SessionHandle): PendingSignIn | undefined {
    const p = session.data.pending;
    return p?.step === 'second_factor' && p.options?.includes('passkey') ? p : undefined;
  }

  protected failed(identifier: string, purpose: PendingSignIn['purpose']): void {
    this.events?.emit(AuthEvents.FactorFailed, {
      identifier,
      purpose,
      factor: 'passkey',
      reason: 'invalid_passkey',
    } satisfies FactorEvent);
  }
}
