import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { MailService } from '../mail/index.js';
import type { Challenge } from '../otp/index.js';
import { ViewRenderer } from '../view/index.js';

/** Key in a challenge's meta marking a decoy: `closed` sends nothing, `exists` sends a notice. */
export const DECOY = 'd';

/** True when no code of this challenge can ever complete it (an enumeration decoy). */
export function isDecoy(challenge: Challenge): boolean {
  return challenge.meta?.[DECOY] !== undefined;
}

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
 * Hands a challenge's code to the mailer, in the language of the request that asked for it; for a
 * decoy, what its kind calls for (nothing, or a notice to an existing account's owner).
 */
@Injectable()
export class CodeDeliveryService {
  constructor(
    protected readonly mail: MailService,
    protected readonly views: ViewRenderer,
  ) {}

  deliver(challenge: Challenge, code: string, req: Request): void {
    const decoy = challenge.meta?.[DECOY];
    const locale = this.views.i18n.negotiate(req);
    if (decoy === 'closed') return;
    const tag = challengeTag(challenge.id);
    if (decoy === 'exists') return this.mail.sendAccountExists(challenge.identifier, locale, tag);
    this.mail.sendCode({
      to: challenge.identifier,
      code,
      purpose: challenge.purpose,
      expiresAt: challenge.expiresAt,
      locale,
      tag,
    });
  }
}
