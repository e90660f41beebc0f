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
    if (decoy === 'exists') return this.mail.sendAccountExists(challenge.identifier, locale);
    this.mail.sendCode({
      to: challenge.identifier,
      code,
      purpose: challenge.purpose,
      expiresAt: challenge.expiresAt,
      locale,
    });
  }
}
