import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CookieOptions } from 'express';
import { isInUse, type SessionHandle } from '../session/index.js';
import { PasskeyStore } from './passkey-store.js';
import { PASSKEY_CHALLENGE_TTL_SECONDS } from './passkey.types.js';
import { InjectPasskeysOptions, type PasskeysModuleOptions } from './passkeys.module-definition.js';

/** A value of the browser cookie as this service makes them (18 random bytes, base64url). */
const BROWSER_VALUE = /^[\w-]{24}$/;

/** What a challenge was asked for: adding a passkey, or signing in (or a second-factor step, by its id). */
export type ChallengePurpose = 'register' | 'sign-in' | `step:${string}`;

/**
 * WebAuthn challenges: single use, 5 minutes, bound to the browser that asked and to what it was
 * asked for (W3C WebAuthn §13.4.3: the relying party must check the challenge is one it issued for
 * this ceremony). A browser with a session is known by its session; one without (the sign-in page
 * offers passkeys on every view, through conditional mediation) gets no session for it, only a
 * random value in a cookie that lives as long as its last challenge (`__Host-passkey` on https, else
 * `passkey`). Only hashes of the session id or that value are stored.
 */
@Injectable()
export class PasskeyChallenges {
  /** The cookie binding a sign-in challenge to a browser without a session. */
  readonly browserCookie: string;
  protected readonly cookieOptions: CookieOptions;

  constructor(
    protected readonly store: PasskeyStore,
    @InjectPasskeysOptions() options: PasskeysModuleOptions,
  ) {
    const secure = options.origins.every((o) => o.startsWith('https:'));
    this.browserCookie = secure ? '__Host-passkey' : 'passkey';
    this.cookieOptions = { httpOnly: true, secure, sameSite: 'strict', path: '/' };
  }

  /**
   * Keeps `challenge` for this browser and purpose. A session that has data is saved first if new,
   * so its cookie (and the binding) comes back with the answer; a sign-in from a browser without a
   * session starts none (a page view must not cost a session) and is bound through the cookie.
   * @throws StoreUnavailableError
   */
  async issue(session: SessionHandle, challenge: string, purpose: ChallengePurpose): Promise<void> {
    if (purpose === 'sign-in' && !isInUse(session.maybe)) {
      // Kept while it lives, so that two sign-in pages of one browser (two tabs) both stay valid.
      const sent = session.cookie(this.browserCookie);
      const browser = sent && BROWSER_VALUE.test(sent) ? sent : randomBytes(18).toString('base64url');
      await this.store.saveChallenge(
        challenge,
        this.binding(`browser:${browser}`, purpose),
        PASSKEY_CHALLENGE_TTL_SECONDS,
      );
      session.setCookie(this.browserCookie, browser, {
        ...this.cookieOptions,
        maxAge: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
      });
      return;
    }
    session.init();
    await session.save();
    await this.store.saveChallenge(challenge, this.binding(session.id ?? '', purpose), PASSKEY_CHALLENGE_TTL_SECONDS);
  }

  /**
   * Takes `challenge` (it can never be answered again, whatever the outcome) and tells whether this
   * browser asked for it for `purpose`, by its session or by its cookie.
   */
  async take(session: SessionHandle, challenge: string | undefined, purpose: ChallengePurpose): Promise<boolean> {
    if (!challenge) return false;
    const binding = await this.store.takeChallenge(challenge);
    if (binding === null) return false;
    if (session.id !== undefined && binding === this.binding(session.id, purpose)) return true;
    const browser = session.cookie(this.browserCookie);
    return browser !== undefined && binding === this.binding(`browser:${browser}`, purpose);
  }

  protected binding(holder: string, purpose: ChallengePurpose): string {
    return `${createHash('sha256').update(holder).digest('base64url')}|${purpose}`;
  }
}
