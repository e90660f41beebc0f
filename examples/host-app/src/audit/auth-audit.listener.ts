import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  AuthEvents,
  type ChallengeStartedEvent,
  type CodeSentEvent,
  type FactorEvent,
  type SignedInEvent,
  type SignedOutEvent,
} from 'nest-mfa-signin';

/** The payload of any of the `AuthEvents`. */
export type AuthEventPayload = ChallengeStartedEvent | CodeSentEvent | FactorEvent | SignedInEvent | SignedOutEvent;

/** One auth event as the listener saw it. */
export interface SeenAuthEvent {
  name: string;
  payload: AuthEventPayload;
}

/**
 * The host's audit trail of sign-in steps: one handler per name of `AuthEvents`, because an audit
 * row needs the event's name and `@OnEvent` does not hand it to a wildcard handler (for what every
 * event shares, see {@link AuthActivityListener}). A real app writes these to its audit table; this
 * one keeps them in memory and logs them at debug level.
 */
@Injectable()
export class AuthAuditListener {
  readonly seen: SeenAuthEvent[] = [];
  private readonly logger = new Logger('AuthAudit');

  @OnEvent(AuthEvents.ChallengeStarted)
  challengeStarted(event: ChallengeStartedEvent) {
    this.record(AuthEvents.ChallengeStarted, event);
  }

  @OnEvent(AuthEvents.CodeSent)
  codeSent(event: CodeSentEvent) {
    this.record(AuthEvents.CodeSent, event);
  }

  @OnEvent(AuthEvents.FactorPassed)
  factorPassed(event: FactorEvent) {
    this.record(AuthEvents.FactorPassed, event);
  }

  @OnEvent(AuthEvents.FactorFailed)
  factorFailed(event: FactorEvent) {
    this.record(AuthEvents.FactorFailed, event);
  }

  @OnEvent(AuthEvents.SignedIn)
  signedIn(event: SignedInEvent) {
    this.record(AuthEvents.SignedIn, event);
  }

  @OnEvent(AuthEvents.SteppedUp)
  steppedUp(event: SignedInEvent) {
    this.record(AuthEvents.SteppedUp, event);
  }

  @OnEvent(AuthEvents.SignedOut)
  signedOut(event: SignedOutEvent) {
    this.record(AuthEvents.SignedOut, event);
  }

  private record(name: string, payload: AuthEventPayload) {
    this.seen.push({ name, payload });
    this.logger.debug(`${name} ${JSON.stringify(payload)}`);
  }
}
