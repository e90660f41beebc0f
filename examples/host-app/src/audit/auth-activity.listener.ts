import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { AuthEventPayload } from './auth-audit.listener.js';

/**
 * Every auth event through one wildcard handler: with `EventEmitterModule.forRoot({ wildcard: true })`,
 * `@OnEvent('auth.*')` catches all of `AuthEvents` (each name has two parts, `auth.<what>`). The
 * handler is not told which event it got, so it suits what all of them share: here, how much
 * sign-in activity each account has had (a real app feeds a metric, or flags an account under
 * attack).
 */
@Injectable()
export class AuthActivityListener {
  private readonly counts = new Map<string, number>();

  @OnEvent('auth.*')
  onAuthEvent(event: AuthEventPayload) {
    const account = 'identifier' in event ? event.identifier : event.email;
    if (account) this.counts.set(account, (this.counts.get(account) ?? 0) + 1);
  }

  /** How many auth events concerned `email` so far. */
  eventsOf(email: string): number {
    return this.counts.get(email) ?? 0;
  }
}
