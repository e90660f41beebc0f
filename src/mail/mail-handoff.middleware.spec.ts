import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { holdAnswerFor, MailHandoffMiddleware } from './mail-handoff.middleware.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  // Rejected before anyone holds on to it is not an unhandled rejection here.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

describe('MailHandoffMiddleware', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  /** A server whose every request goes through the middleware, then `handler`. */
  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const middleware = new MailHandoffMiddleware();
    server = createServer((req, res) => middleware.use(req, res, () => handler(req, res)));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('holds the answer until the hand-overs of its request are settled', async () => {
    const stored = deferred();
    const url = await serve((_req, res) => {
      // Like a controller: the hand-over starts in an async continuation of the request.
      void Promise.resolve().then(() => {
        holdAnswerFor(stored.promise);
        res.end('code_sent');
      });
    });
    let answered = false;
    const answer = fetch(url).then(async (r) => {
      answered = true;
      return r.text();
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(false);
    stored.resolve();
    expect(await answer).toBe('code_sent');
  });

  it('answers all the same when a hand-over fails (the queue has delivered it another way)', async () => {
    const stored = deferred();
    const url = await serve((_req, res) => {
      holdAnswerFor(stored.promise);
      res.end('ok');
    });
    const answer = fetch(url).then((r) => r.text());
    stored.reject(new Error('Redis went away'));
    expect(await answer).toBe('ok');
  });

  it('does not delay an answer that handed nothing over, nor hold other requests', async () => {
    const never = new Promise<void>(() => undefined);
    const url = await serve((req, res) => {
      if (req.url === '/mail') holdAnswerFor(never);
      res.end('plain');
    });
    void fetch(`${url}mail`).catch(() => undefined);
    const started = Date.now();
    expect(await (await fetch(url)).text()).toBe('plain');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('outside a request, holding is a no-op', () => {
    expect(() => holdAnswerFor(Promise.resolve())).not.toThrow();
  });
});
