import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError } from 'rxjs';
import { wantsJson } from '../http/index.js';
import { AccountSecurityService } from './account-security.service.js';

/**
 * A failed form post on the security page (a wrong confirmation code, a step-up needed) gets the
 * page back with the account's state, and the confirmation form when that was the post.
 */
@Injectable()
export class SecurityPageInterceptor implements NestInterceptor {
  constructor(protected readonly security: AccountSecurityService) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const req = context.switchToHttp().getRequest<Request & { pageContext?: Record<string, unknown> }>();
    return next.handle().pipe(
      catchError(async (err: unknown) => {
        const email = req.session?.user?.email;
        if (!wantsJson(req) && email) {
          const state = await this.security.state(email).catch(() => null);
          req.pageContext = { state, confirming: req.path.endsWith('/totp/confirm') };
        }
        throw err;
      }),
    );
  }
}
