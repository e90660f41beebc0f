import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SessionHandle } from '../session/index.js';
import { PasskeyStore } from './passkey-store.js';
import { PASSKEY_CHALLENGE_TTL_SECONDS } from './passkey.types.js';

/** What a challenge was asked for: adding a passkey, or signing in (or a second-factor step, by its id). */
export type ChallengePurpose = 'register' | 'sign-in' | `step:${string}`;

/**
 * WebAuthn challenges: single use, 5 minutes, bound to the session that asked and to what it was
 * asked for (W3C WebAuthn §13.4.3: the relying party must check the challenge is one it issued for
 * this ceremony). Only a hash of the session id is stored.
 */
@Injectable()
export class PasskeyChallenges {
  constructor(protected readonly store: PasskeyStore) {}

  /**
   * Keeps `challenge` for this session and purpose. The session is saved first if new, so its
   * cookie (and the binding) comes back with the answer.
   * @throws StoreUnavailableError
   */
  async issue(session: SessionHandle, challenge: string, purpose: ChallengePurpose): Promise<void> {
    session.init();
    await session.save();
    await this.store.saveChallenge(challenge, this.binding(session, purpose), PASSKEY_CHALLENGE_TTL_SECONDS);
  }

  /**
   * Takes `challenge` (it can never be answered again, whatever the outcome) and tells whether this
   * session asked for it for `purpose`.
   */
  async take(session: SessionHandle, challenge: string | undefined, purpose: ChallengePurpose): Promise<boolean> {
    if (!challenge) return false;
    const binding = await this.store.takeChallenge(challenge);
    return binding !== null && session.id !== undefined && binding === this.binding(session, purpose);
  }

  protected binding(session: SessionHandle, purpose: ChallengePurpose): string {
    const sid = createHash('sha256')
      .update(session.id ?? '')
      .digest('base64url');
    return `${sid}|${purpose}`;
  }
}
