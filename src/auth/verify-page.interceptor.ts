import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError } from 'rxjs';
import { wantsJson } from '../http/index.js';
import { SessionService } from '../session/index.js';
import { ChallengeService } from './challenge.service.js';

/**
 * A form post to /verify that fails (a wrong code, and a malformed one rejected by validation too)
 * gets the code page back: this keeps what the page shows about the pending step for it.
 */
@Injectable()
export class VerifyPageInterceptor implements NestInterceptor {
  constructor(
    protected readonly challenges: ChallengeService,
    protected readonly sessions: SessionService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const req = context.switchToHttp().getRequest<Request & { pageContext?: Record<string, unknown> }>();
    return next.handle().pipe(
      catchError(async (err: unknown) => {
        if (!wantsJson(req) && req.session) {
          req.pageContext = { pending: await this.challenges.pending(this.sessions.of(req)).catch(() => null) };
        }
        throw err;
      }),
    );
  }
}
