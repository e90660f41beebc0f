import { Injectable } from '@nestjs/common';

/**
 * Whether this process is shutting down. While it is, `GET /health/ready` answers 503 (so a load
 * balancer takes the instance out of rotation) and every other route is still served.
 */
@Injectable()
export class ShutdownState {
  private since?: number;

  /** True once a shutdown began. */
  get draining(): boolean {
    return this.since !== undefined;
  }

  /** Marks the start of a shutdown (idempotent). */
  begin(now = Date.now()): void {
    this.since ??= now;
  }
}
