import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { type AuthModuleOptions, InjectAuthOptions, PasswordHold } from '../auth/index.js';
import { PasskeyStore } from '../passkeys/index.js';
import { AccountSessionsService } from './account-sessions.service.js';
import { AccountStore } from './account-store.js';
import { NotMeLinkError } from './account.errors.js';
import { AccountEvents, type NotMeEvent } from './account.events.js';
import { hashOf } from './security-notices.service.js';

/** The answer of `POST /account/not-me`. */
export interface Secured {
  status: 'secured';
  /** Where to go on: `/password/forgot` in password mode (a reset is required), else `/auth`. */
  next: '/password/forgot' | '/auth';
}

/**
 * "This wasn't me": the link of a security notice. Its page only shows a button; the POST (single
 * use, bound to the account and the notice, 7 days) ends every session of the account, forgets
 * every remembered and known browser, removes the passkey whose addition the notice told of, and in
 * password mode requires a password reset before the next sign-in.
 */
@Injectable()
export class NotMeService {
  constructor(
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
    protected readonly store: AccountStore,
    protected readonly sessions: AccountSessionsService,
    protected readonly hold: PasswordHold,
    protected readonly passkeys: PasskeyStore,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /** @throws NotMeLinkError for a used, expired or unknown token (the same answer for each). */
  async secure(token: string): Promise<Secured> {
    const grant = /^[\w-]{43}$/.test(token) ? await this.store.takeGrant(hashOf(token)) : null;
    if (!grant) throw new NotMeLinkError();
    await this.sessions.endAll(grant.email);
    // A passkey someone else added signs in without the password: the notice of it undoes it.
    if (grant.event === 'passkeyAdded' && grant.ref) await this.passkeys.remove(grant.email, grant.ref);
    const passwordMode = this.options.firstFactor === 'password';
    if (passwordMode) await this.hold.hold(grant.email);
    this.events?.emit(AccountEvents.NotMe, { email: grant.email, event: grant.event } satisfies NotMeEvent);
    return { status: 'secured', next: passwordMode ? '/password/forgot' : '/auth' };
  }
}
