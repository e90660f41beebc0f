import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AccountEvents, type SessionRevokedEvent } from '../account/index.js';
import {
  AuthEvents,
  type CodeSentEvent,
  type FactorEvent,
  type SignedInEvent,
  type SignedOutEvent,
} from '../auth/index.js';
import { type MailDroppedEvent, MailEvents, type MailUndeliverableEvent } from '../mail/index.js';
import { type IdentifierLockedEvent, OtpEvents } from '../otp/index.js';
import { type PasswordEvent, PasswordEvents } from '../password/index.js';
import { labelValue, MetricsService } from './metrics.service.js';

/**
 * Counts what the app's events say happened (see {@link MetricsService} for each metric). Every
 * handler is synchronous and only increments a counter: nothing waits on it.
 */
@Injectable()
export class MetricsListener {
  constructor(protected readonly metrics: MetricsService) {}

  @OnEvent(AuthEvents.CodeSent)
  onCodeSent(e: CodeSentEvent): void {
    this.metrics.codesIssued.inc({ purpose: labelValue(e.purpose) });
  }

  @OnEvent(AuthEvents.FactorPassed)
  onFactorPassed(e: FactorEvent): void {
    this.verification(e, 'passed');
  }

  @OnEvent(AuthEvents.FactorFailed)
  onFactorFailed(e: FactorEvent): void {
    this.verification(e, e.reason ?? 'failed');
  }

  @OnEvent(AuthEvents.SignedIn)
  onSignedIn(e: SignedInEvent): void {
    this.metrics.sessionsCreated.inc({ aal: labelValue(e.aal) });
  }

  @OnEvent(AuthEvents.SignedOut)
  onSignedOut(e: SignedOutEvent): void {
    // A session that was not signed in was never counted as created.
    if (e.email) this.metrics.sessionsEnded.inc({ reason: 'sign_out' });
  }

  @OnEvent(AccountEvents.SessionRevoked)
  onSessionsRevoked(e: SessionRevokedEvent): void {
    // A forgotten trusted browser ends no session.
    if (e.kind === 'session') this.metrics.sessionsEnded.inc({ reason: 'revoked' }, e.count);
  }

  @OnEvent(PasswordEvents.Reset)
  onPasswordReset(e: PasswordEvent): void {
    if (e.sessionsEnded > 0) this.metrics.sessionsEnded.inc({ reason: 'password_reset' }, e.sessionsEnded);
  }

  @OnEvent(PasswordEvents.Changed)
  onPasswordChanged(e: PasswordEvent): void {
    if (e.sessionsEnded > 0) this.metrics.sessionsEnded.inc({ reason: 'password_change' }, e.sessionsEnded);
  }

  @OnEvent(OtpEvents.Locked)
  onLocked(e: IdentifierLockedEvent): void {
    // A known device's own lock is `<email>#kd:<hash>`.
    this.metrics.locks.inc({ scope: e.subject.includes('#') ? 'known_device' : 'identifier' });
  }

  @OnEvent(MailEvents.Queued)
  onMailQueued(): void {
    this.metrics.mailQueued.inc();
  }

  @OnEvent(MailEvents.Sent)
  onMailSent(): void {
    this.metrics.mailSent.inc();
  }

  @OnEvent(MailEvents.Retrying)
  onMailRetrying(): void {
    this.metrics.mailRetries.inc();
  }

  @OnEvent(MailEvents.Dropped)
  onMailDropped(e: MailDroppedEvent): void {
    this.metrics.mailFailed.inc({ reason: labelValue(e.reason) });
  }

  @OnEvent(MailEvents.Undeliverable)
  onMailUndeliverable(e: MailUndeliverableEvent): void {
    this.metrics.mailFailed.inc({ reason: e.permanent ? 'refused' : 'retries_exhausted' });
  }

  protected verification(e: FactorEvent, outcome: string): void {
    this.metrics.verifications.inc({
      factor: labelValue(e.factor),
      purpose: labelValue(e.purpose),
      outcome: labelValue(outcome),
    });
  }
}
