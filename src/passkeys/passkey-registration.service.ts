import { createHmac } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { deviceName } from '../http/index.js';
import type { SessionHandle } from '../session/index.js';
import { PasskeyChallenges } from './passkey-challenges.service.js';
import { challengeOf, readRegistrationResponse } from './passkey-response.js';
import { PasskeyStore } from './passkey-store.js';
import { PASSKEY_CHALLENGE_TTL_SECONDS, PASSKEYS_PER_ACCOUNT_MAX, type PasskeyCredential } from './passkey.types.js';
import { PasskeyLimitError, PasskeyNotFoundError, PasskeyRegistrationError } from './passkeys.errors.js';
import { type PasskeyEvent, PasskeyEvents } from './passkeys.events.js';
import { InjectPasskeysOptions, type PasskeysModuleOptions } from './passkeys.module-definition.js';

/** A passkey as its owner sees it (`GET /account/passkeys`). */
export interface PasskeyView {
  id: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null before its first sign-in. */
  lastUsedAt: string | null;
  /** True for a synced passkey (multi-device), false for one bound to its authenticator. */
  synced: boolean;
  /** True when it is backed up now. */
  backedUp: boolean;
}

/** Who is adding or changing a passkey, and from where. */
export interface PasskeyActor {
  email: string;
  userAgent?: string;
  device?: string;
  ip?: string;
  locales: readonly string[];
}

/**
 * The account's passkeys: adding one (W3C WebAuthn §7.1 registration: creation options, then the
 * new credential checked against its challenge, origin and relying party), listing, renaming and
 * removing them. Each change emits a {@link PasskeyEvents} event (the owner is mailed a notice).
 */
@Injectable()
export class PasskeyRegistration {
  constructor(
    @InjectPasskeysOptions() protected readonly options: PasskeysModuleOptions,
    protected readonly store: PasskeyStore,
    protected readonly challenges: PasskeyChallenges,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /**
   * Creation options for a new passkey of `email`: a resident key (discoverable) required, user
   * verification preferred, no attestation, the account's passkeys excluded.
   * @throws PasskeyLimitError, StoreUnavailableError
   */
  async creationOptions(session: SessionHandle, email: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.store.list(email);
    if (existing.length >= PASSKEYS_PER_ACCOUNT_MAX) throw new PasskeyLimitError(PASSKEYS_PER_ACCOUNT_MAX);
    const options = await generateRegistrationOptions({
      rpName: this.options.rpName ?? 'Sign-in',
      rpID: this.options.rpId,
      userName: email,
      userDisplayName: email,
      userID: this.userHandle(email),
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
    });
    await this.challenges.issue(session, options.challenge, 'register');
    return options;
  }

  /**
   * Checks and stores the new credential answering this session's creation options.
   * @param name the owner's name for it (default: the browser, e.g. `Chrome on Linux`).
   * @throws ValidationFailedError (a malformed response), PasskeyRegistrationError, PasskeyLimitError
   */
  async add(session: SessionHandle, actor: PasskeyActor, response: unknown, name?: string): Promise<PasskeyView> {
    const r = readRegistrationResponse(response);
    const challenge = challengeOf(r.response.clientDataJSON);
    if (!(await this.challenges.take(session, challenge, 'register'))) throw new PasskeyRegistrationError();
    let info;
    try {
      const result = await verifyRegistrationResponse({
        response: r,
        expectedChallenge: challenge!,
        expectedOrigin: this.options.origins,
        expectedRPID: this.options.rpId,
        requireUserVerification: false,
      });
      info = result.verified ? result.registrationInfo : undefined;
    } catch {
      info = undefined;
    }
    if (!info) throw new PasskeyRegistrationError();
    if ((await this.store.list(actor.email)).length >= PASSKEYS_PER_ACCOUNT_MAX) {
      throw new PasskeyLimitError(PASSKEYS_PER_ACCOUNT_MAX);
    }
    const credential: PasskeyCredential = {
      id: info.credential.id,
      email: actor.email,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: info.credential.transports ?? r.response.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name: name ?? deviceName(actor.userAgent),
      createdAt: Date.now(),
    };
    if (!(await this.store.add(credential))) throw new PasskeyRegistrationError('This passkey is already registered');
    this.emit(PasskeyEvents.Added, actor, credential);
    return view(credential);
  }

  /** The account's passkeys, oldest first. */
  async list(email: string): Promise<PasskeyView[]> {
    return (await this.store.list(email)).map(view);
  }

  /** @throws PasskeyNotFoundError */
  async rename(email: string, id: string, name: string): Promise<PasskeyView> {
    const renamed = await this.store.rename(email, id, name);
    if (!renamed) throw new PasskeyNotFoundError();
    return view(renamed);
  }

  /** @throws PasskeyNotFoundError */
  async remove(actor: PasskeyActor, id: string): Promise<void> {
    const found = await this.store.get(id);
    if (!found || found.email !== actor.email || !(await this.store.remove(actor.email, id))) {
      throw new PasskeyNotFoundError();
    }
    this.emit(PasskeyEvents.Removed, actor, found);
  }

  /** The WebAuthn user handle of an account: HMAC-SHA256(key, email), 32 bytes, never the email. */
  userHandle(email: string): Uint8Array<ArrayBuffer> {
    return new Uint8Array(createHmac('sha256', this.options.userHandleKey).update(email).digest());
  }

  protected emit(name: string, actor: PasskeyActor, passkey: PasskeyCredential): void {
    this.events?.emit(name, {
      email: actor.email,
      id: passkey.id,
      name: passkey.name,
      device: actor.device,
      ip: actor.ip,
      locales: actor.locales,
    } satisfies PasskeyEvent);
  }
}

/** The owner's view of a stored passkey. */
export function view(c: PasskeyCredential): PasskeyView {
  return {
    id: c.id,
    name: c.name,
    createdAt: new Date(c.createdAt).toISOString(),
    lastUsedAt: c.lastUsedAt === undefined ? null : new Date(c.lastUsedAt).toISOString(),
    synced: c.deviceType === 'multiDevice',
    backedUp: c.backedUp,
  };
}
