import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RouteMarkGuard } from './route-mark.guard.js';

/** Metadata key of {@link JsonOnly}. */
export const JSON_ONLY = 'http:json-only';

/**
 * Marks an API route (not a page), or every route of a controller: it answers JSON whatever the
 * Accept header, its errors too, and is never a redirect to a sign-in page.
 */
export const JsonOnly = () =>
  applyDecorators(SetMetadata(JSON_ONLY, true), UseGuards(new RouteMarkGuard({ jsonOnly: true })));

/**
 * True when the client should get JSON: a JSON request body, or an Accept header that
 * prefers JSON over HTML. Browsers' form posts and page loads get HTML.
 */
export function wantsJson(req: Request & { jsonOnly?: boolean }): boolean {
  if (req.jsonOnly || req.is('application/json')) return true;
  const accept = req.headers.accept;
  if (!accept) return false;
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * Answers a successful POST: JSON clients get `json` (or 204 when it is undefined),
 * browser forms get a 303 to `redirect` (post/redirect/get).
 */
export function reply(req: Request, res: Response, redirect: string, json?: unknown): void {
  res.setHeader('Cache-Control', 'no-store');
  if (!wantsJson(req)) {
    res.redirect(303, redirect);
  } else if (json === undefined) {
    res.status(204).end();
  } else {
    res.status(200).json(json);
  }
}

/** True for GET and HEAD: a HEAD answers exactly as its GET would (RFC 9110 §9.3.2), redirects included. */
export function isRead(req: Pick<Request, 'method'>): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

/** The client's languages, best first (`Accept-Language`), for services that write in them (mails). */
export const AcceptLanguages = createParamDecorator((_: unknown, ctx: ExecutionContext): string[] =>
  ctx.switchToHttp().getRequest<Request>().acceptsLanguages(),
);
