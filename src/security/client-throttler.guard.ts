import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { ClientRateLimitedError } from '../http/http.errors.js';

/**
 * Per-client-address budget for state-changing requests (`@nestjs/throttler`), on top of the
 * per-identifier limits: it slows one address spraying many identifiers. GETs are never counted,
 * so protected pages cost no extra Redis round trip. The address comes from trusted proxies only
 * (`TRUST_PROXY`).
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.switchToHttp().getRequest<Request>().method !== 'POST';
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
