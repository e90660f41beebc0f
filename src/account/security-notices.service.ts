import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { MailService } from '../mail/index.js';
import { ViewRenderer } from '../view/index.js';
import { AccountStore } from './account-store.js';

/** "This wasn't me" links live a week. */
export const NOT_ME_TTL_MS = 7 * 86_400_000;

/** What a notice tells about the event: when, from which browser, from which network. */
export interface NoticeContext {
  /** The reader's languages, best first. */
  locales: readonly string[];
  /** Epoch ms (default now). */
  at?: number;
  device?: string;
  ip?: string;
  /** Fills `{count}` (recovery codes left). */
  count?: number;
  /** What the notice is about, undone by its "this wasn't me" link (a new passkey's credential id). */
  ref?: string;
}

/**
 * Security notice mails: each names the time, the device and the network of the event, and carries
 * a "this wasn't me" link whose token is a single-use grant bound to the account and the event,
 * valid 7 days (only its hash is kept).
 */
@Injectable()
export class SecurityNotices {
  constructor(
    protected readonly store: AccountStore,
    protected readonly mail: MailService,
    protected readonly views: ViewRenderer,
  ) {}

  /** Mails the notice `kind` (`mail.notice.<kind>.*` messages) to the account's owner. */
  async send(email: string, kind: string, context: NoticeContext): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const grant = { email, event: kind, createdAt: Date.now(), ...(context.ref ? { ref: context.ref } : {}) };
    await this.store.saveGrant(hashOf(token), grant, NOT_ME_TTL_MS);
    this.mail.sendNotice(email, kind, this.views.i18n.negotiateTags(context.locales), {
      count: context.count,
      at: context.at ?? Date.now(),
      device: context.device,
      ip: context.ip,
      notMeToken: token,
    });
  }
}

/** The stored name of a "this wasn't me" token. */
export function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
