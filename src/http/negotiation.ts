import type { Request, Response } from 'express';

/**
 * True when the client should get JSON: a JSON request body, or an Accept header that
 * prefers JSON over HTML. Browsers' form posts and page loads get HTML.
 */
export function wantsJson(req: Request): boolean {
  if (req.is('application/json')) return true;
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
