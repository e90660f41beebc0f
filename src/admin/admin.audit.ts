import { hostname, userInfo } from 'node:os';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AdminEvent } from './admin.events.js';

/**
 * Records each admin action twice: an event (for a host's audit listeners) and a log line
 * (`[Admin] admin.unlocked a@b.test by ops@host: ...`). Payloads hold counts, ids and addresses,
 * never a code, a session id or a mail's content.
 */
@Injectable()
export class AdminAudit {
  protected readonly logger = new Logger('Admin');
  /** Who runs this process, as `user@host`. */
  readonly operator = operatorName();

  constructor(@Optional() protected readonly events?: EventEmitter2) {}

  /** Emits `name` with `payload` (plus the operator) and logs `summary`. */
  record<T extends AdminEvent>(name: string, payload: Omit<T, 'operator'>, summary: string): void {
    this.events?.emit(name, { ...payload, operator: this.operator });
    this.logger.log(`${name}${payload.email ? ` ${payload.email}` : ''} by ${this.operator}: ${summary}`);
  }
}

function operatorName(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A container may run under a uid without a passwd entry.
    user = `uid ${process.getuid?.() ?? '?'}`;
  }
  return `${user}@${hostname()}`;
}
