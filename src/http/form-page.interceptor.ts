import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { FORM_PAGE } from './form-page.decorator.js';
import { JSON_ONLY } from './negotiation.js';

/**
 * Records the handler's {@link FormPage} and `@JsonOnly()` on the request, where the exception
 * filter can read them. Not needed any more: the decorators mark their routes themselves (see
 * `RouteMarkGuard`); kept so that apps which register it app-wide keep working.
 */
@Injectable()
export class FormPageInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const req = context.switchToHttp().getRequest<Request & { formPage?: string; jsonOnly?: boolean }>();
    const page = this.reflector.get<string | undefined>(FORM_PAGE, context.getHandler());
    if (page) req.formPage = page;
    // API routes answer JSON, their errors too, even without a guard to flag them.
    if (this.reflector.get<boolean | undefined>(JSON_ONLY, context.getHandler())) req.jsonOnly = true;
    return next.handle();
  }
}
