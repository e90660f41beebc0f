import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { FORM_PAGE } from './form-page.decorator.js';

/** Records the handler's {@link FormPage} on the request, where the exception filter can read it. */
@Injectable()
export class FormPageInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const page = this.reflector.get<string | undefined>(FORM_PAGE, context.getHandler());
    if (page) context.switchToHttp().getRequest<Request & { formPage?: string }>().formPage = page;
    return next.handle();
  }
}
