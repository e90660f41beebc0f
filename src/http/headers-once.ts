import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * A middleware whose headers depend on nothing in the request (helmet with fixed options, as
 * `applyHttpSetup` uses it), run once at startup against a blank response: what it set (and
 * removed) is replayed on each response, without running it again. helmet builds its
 * Content-Security-Policy string on every call; this builds it once.
 * @throws Error when the middleware fails, or does not call `next` at once (it is not static then).
 */
export function headersOnce(middleware: RequestHandler): RequestHandler {
  const set = new Map<string, number | string | readonly string[]>();
  const removed: string[] = [];
  const blank = {
    setHeader(name: string, value: number | string | readonly string[]) {
      set.set(name, value);
      return blank;
    },
    removeHeader(name: string) {
      set.delete(name);
      removed.push(name);
    },
  };
  let done = false;
  void middleware({ headers: {} } as Request, blank as unknown as Response, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('headersOnce: the middleware failed');
    done = true;
  });
  if (!done) throw new Error('headersOnce: the middleware did not call next at once, so its headers are not static');
  const headers = [...set];
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
