import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { SessionUser } from './auth-session.js';

/** The signed-in user of a route behind {@link AuthGuard}: `{ email, factors, aal, amr, authTime }`. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): SessionUser | undefined =>
    ctx.switchToHttp().getRequest<Request>().session?.user,
);
