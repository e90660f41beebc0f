import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../clock/index.js';
import { MailService } from '../mail/index.js';
import { type Challenge, OtpService, type StartChallenge } from '../otp/index.js';
import { ViewRenderer } from '../view/index.js';
import { AuthEvents, type CodeSentEvent } from './auth.events.js';

/**
 * An enumeration decoy: a challenge that behaves like a real one at `/verify` but that no code can
 * complete. `closed`: an unknown address with sign-up closed (no mail at all). `exists`: a sign-up
 * of an address that already has an account (its owner is mailed a notice instead of a code).
 */
export type Decoy = 'closed' | 'exists';

/** Key in a challenge's meta marking a decoy and its kind. */
const DECOY = 'd';
const TAG_PREFIX = 'challenge:';

/** The mail tag of a challenge's mails, so an undeliverable one can be traced back to it. */
export function challengeTag(id: string): string {
  return `${TAG_PREFIX}${id}`;
}

/** The challenge id in a mail tag made by {@link challengeTag}, or undefined. */
export function challengeOfTag(tag: string | undefined): string | undefined {
  return tag?.startsWith(TAG_PREFIX) ? tag.slice(TAG_PREFIX.length) : undefined;
}

/**
 * What a real (not decoy) code's purpose says about its account: a sign-up's does not exist yet,
 * a sign-in's and a step-up's do (callers start those only for an existing account: a sign-in for
 * an unknown address is a decoy); a password reset's is looked up by whoever needs it.
 */
const KNOWN_ACCOUNT: Record<Challenge['purpose'], { account?: boolean }> = {
  'sign-up': { account: false },
  'sign-in': { account: true },
  'step-up': { account: true },
  'password-reset': {},
};

/**
 * Emailed-code challenges, and the one owner of enumeration decoys: starts a challenge and mails
 * its code in the reader's language, re-sends one, and makes decoys cost and answer like real
 * challenges. Callers reserve the identifier's send budget first (`OtpThrottleService`).
 */
@Injectable()
export class EmailCodeService {
  constructor(
    protected readonly otp: OtpService,
    protected readonly mail: MailService,
    protected readonly views: ViewRenderer,
    protected readonly clock: Clock,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /**
   * Starts a challenge and queues its mail, in this order: `bind` records where the challenge will
   * be answered (the session's pending step), the challenge is stored, the mail is queued. If Redis
   * goes away in between, no code is mailed that nothing waits for, and no challenge is left that
   * nothing waits for: a session may wait for a challenge that was never stored, which answers 410
   * and lets the person start again (see `OtpService.start`).
   * @param locales the reader's languages, best first (`Accept-Language`).
   * @param bind records the challenge, e.g. `(c) => session.rotate({ pending: { id: c.id, ... } })`.
   */
  async start(
    input: Omit<StartChallenge, 'decoy' | 'factor'> & { decoy?: Decoy },
    locales: readonly string[],
    bind: (challenge: Challenge) => Promise<void> = async () => undefined,
  ): Promise<Challenge> {
    const { decoy, ...rest } = input;
    const { challenge, code, linkToken, send } = await this.otp.start(
      {
        ...rest,
        factor: 'email-otp',
        ...(decoy ? { decoy: true, meta: { ...rest.meta, [DECOY]: decoy } } : {}),
      },
      bind,
    );
    this.deliver(challenge, { code, linkToken, send }, locales);
    return challenge;
  }

  /**
   * A new code for a live challenge (same attempts, same deadline), mailed like the first.
   * @throws ChallengeExpiredError when the challenge is gone.
   */
  async resend(challenge: Challenge, locales: readonly string[]): Promise<void> {
    const { code, linkToken, send } = await this.otp.reissue(challenge, this.isDecoy(challenge));
    this.deliver(challenge, { code, linkToken, send }, locales);
  }

  /** True when no code of this challenge can ever complete it. */
  isDecoy(challenge: Challenge): boolean {
    return challenge.meta?.[DECOY] !== undefined;
  }

  protected deliver(
    challenge: Challenge,
    answers: { code: string; linkToken: string; send: number },
    locales: readonly string[],
  ): void {
    const decoy = challenge.meta?.[DECOY] as Decoy | undefined;
    const locale = this.views.i18n.negotiateTags(locales);
    const tag = challengeTag(challenge.id);
    if (decoy === 'closed') return;
    if (decoy === 'exists') return this.mail.sendAccountExists(challenge.identifier, locale, tag);
    this.events?.emit(AuthEvents.CodeSent, {
      identifier: challenge.identifier,
      purpose: challenge.purpose,
      send: answers.send,
      ...KNOWN_ACCOUNT[challenge.purpose],
    } satisfies CodeSentEvent);
    this.mail.sendCode({
      to: challenge.identifier,
      code: answers.code,
      // The challenge id tells a browser whether the link is for its own pending challenge before
      // anything is checked (another browser consumes nothing); the secret is what is verified.
      // A password reset is finished on its own page, with the new password: no sign-in link.
      ...(challenge.purpose === 'password-reset' ? {} : { linkToken: `${challenge.id}.${answers.linkToken}` }),
      send: answers.send,
      purpose: challenge.purpose,
      // The deadline is on the app's clock; the mail (its time, its minutes, whether it is stale when
      // a worker takes it) runs on the real one: the same time left, in real time.
      expiresAt: Date.now() + (challenge.expiresAt - this.clock.now()),
      locale,
      tag,
    });
  }
}
