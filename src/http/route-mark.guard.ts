import type { CanActivate, ExecutionContext } from '@nestjs/common';

/** What {@link RouteMarkGuard} notes on the request. */
export interface RouteMarks {
  /** The page a failed form post re-renders (`@FormPage()`). */
  formPage?: string;
  /** The route answers JSON only, its errors too (`@JsonOnly()`). */
  jsonOnly?: boolean;
}

/**
 * Lets every request through: it only notes its route's marks on the request, where the exception
 * filter and `wantsJson` read them. `@FormPage()` and `@JsonOnly()` put it on their routes, so
 * nothing runs on the others (an app-wide interceptor would, with an Observable per request).
 * Guards run before pipes and the handler, so the errors of both see the marks.
 */
export class RouteMarkGuard implements CanActivate {
  constructor(protected readonly marks: RouteMarks) {}

  canActivate(context: ExecutionContext): boolean {
    Object.assign(context.switchToHttp().getRequest<object>(), this.marks);
    return true;
  }
}
