import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { isRead } from '../http/index.js';
import { StoreUnavailableError } from '../redis/index.js';
import { RedisSessionStore, wasLoaded } from '../session/index.js';
import { ClientRateLimitedError } from './security.errors.js';

const ALLOWED = Promise.resolve(true);

/**
 * Per-client-address budget (`@nestjs/throttler`), on top of the per-identifier limits: it slows one
 * address spraying many identifiers, or minting sessions. It counts POSTs and the GETs of visitors
 * without a stored session; signed-in page views are never counted (no extra Redis round trip). The address comes from trusted proxies only
 * (`TRUST_PROXY`).
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.uncounted(context.switchToHttp().getRequest<Request>());
  }

  /** True for a request that is not counted: any but a POST, and a GET that cannot create a session. */
  protected uncounted(req: Request): boolean {
    if (req.method === 'POST') return false;
    // A GET without a stored session may create one (a form's CSRF token, a page to return to):
    // count those, so one address cannot fill Redis with sessions. Signed-in page views stay free.
    return !(req.session && req.sessionStore instanceof RedisSessionStore && !wasLoaded(req.session));
  }

  /** A GET still gets its page when the budget's store is down; a POST fails (503) as it would anyway. */
  override canActivate(context: ExecutionContext): Promise<boolean> {
    // Uncounted requests (signed-in page views) leave at once, without the throttler's async steps.
    if (this.uncounted(context.switchToHttp().getRequest<Request>())) return ALLOWED;
    return this.counted(context);
  }

  protected async counted(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (err) {
      if (err instanceof StoreUnavailableError && isRead(context.switchToHttp().getRequest<Request>())) {
        return true;
      }
      throw err;
    }
  }

  /** One budget per address across all routes, not one per handler. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new ClientRateLimitedError(Math.max(1, detail.timeToBlockExpire));
  }
}
