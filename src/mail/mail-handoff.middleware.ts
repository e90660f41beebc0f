import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';

/** The hand-overs to a durable queue made while answering the current request. */
const requests = new AsyncLocalStorage<Set<Promise<void>>>();

/**
 * Records a hand-over the current answer must wait for (no-op outside a request that went through
 * {@link MailHandoffMiddleware}). Used by `MailDispatcher` for durable queues only.
 */
export function holdAnswerFor(handoff: Promise<void>): void {
  const pending = requests.getStore();
  if (!pending) return;
  const settled = handoff.then(
    () => undefined,
    () => undefined,
  );
  pending.add(settled);
  void settled.then(() => pending.delete(settled));
}

/**
 * Holds each answer until the mails its request queued are stored (a Redis write, bounded by the
 * Redis deadline), so a crash right after the answer loses no mail; it never waits for SMTP.
 * Handlers reply through `res.end` (directly with `@Res()` or through Nest), so that is where it
 * waits; an answer that queued nothing is not delayed at all. `AppModule` applies it to every
 * route; a host app with a durable mail queue applies it the same way.
 */
@Injectable()
export class MailHandoffMiddleware implements NestMiddleware {
  use(_req: unknown, res: ServerResponse, next: () => void): void {
    const pending = new Set<Promise<void>>();
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (pending.size === 0) return end(...args);
      void (async () => {
        // A hand-over may start while another settles (a message built after a turn of the loop).
        while (pending.size > 0) await Promise.all([...pending]);
        end(...args);
      })();
      return res;
    }) as ServerResponse['end'];
    requests.run(pending, next);
  }
}
