import type { Server } from 'node:http';
import { type INestApplicationContext, Logger, type Type } from '@nestjs/common';
import { MailDispatcher, MailWorker } from '../mail/index.js';
import { ShutdownState } from './shutdown.state.js';

/** Timings of {@link enableGracefulShutdown}, in seconds (`SHUTDOWN_GRACE_SECONDS`, `SHUTDOWN_TIMEOUT_SECONDS`). */
export interface GracefulShutdownOptions {
  /** Readiness answers 503 while everything is still served, for this long (0: stop at once). */
  graceSeconds: number;
  /** Then at most this long to finish in-flight requests and mail jobs and close connections. */
  timeoutSeconds: number;
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
}

const logger = new Logger('Shutdown');

/**
 * Stops the app gracefully on SIGTERM (or SIGINT), in this order:
 * 1. readiness (`GET /health/ready`) answers 503 at once, and requests are served as before for
 *    `graceSeconds`, so a load balancer stops sending new ones;
 * 2. the HTTP server stops accepting connections, closes idle keep-alive ones and lets in-flight
 *    requests finish;
 * 3. the mail worker finishes the jobs in hand, and mails delivered in process are sent (a durable
 *    queue's waiting jobs stay in Redis for the next worker);
 * 4. Nest's shutdown hooks close Redis, PostgreSQL and the SMTP transport.
 * Steps 2 to 4 get `timeoutSeconds` together; past it, open connections are cut and the process
 * exits with code 1 (a job cut short is retried by another worker once its lock lapses). A clean
 * stop ends the process by the same signal, as Nest's `enableShutdownHooks` does. Works for an HTTP
 * app and for the worker's application context alike.
 */
export function enableGracefulShutdown(app: INestApplicationContext, options: GracefulShutdownOptions): void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    void shutdown(app, options, signal).then((clean) => {
      if (!clean) process.exit(1);
      // As Nest's own shutdown hooks do: end by the signal, as a process without handlers would.
      for (const s of signals) process.removeListener(s, onSignal);
      process.kill(process.pid, signal);
    });
  };
  for (const s of signals) process.on(s, onSignal);
}

/** True when everything stopped within the timeout. */
async function shutdown(app: INestApplicationContext, o: GracefulShutdownOptions, signal: string): Promise<boolean> {
  find(app, ShutdownState)?.begin();
  logger.log(`${signal}: readiness now answers 503; serving for ${o.graceSeconds} s more, then stopping`);
  await sleep(o.graceSeconds * 1000);
  const server = httpServerOf(app);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), o.timeoutSeconds * 1000)),
  );
  const stop = async () => {
    if (server) await closeServer(server);
    await find(app, MailWorker)?.stop();
    await find(app, MailDispatcher)?.settle(o.timeoutSeconds * 1000);
    await app.close();
  };
  const outcome = await Promise.race([stop().then(() => 'done' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'done') {
    logger.log('Stopped: every request and mail job in hand finished');
    return true;
  }
  logger.warn(`Still busy after ${o.timeoutSeconds} s: cutting the remaining connections`);
  server?.closeAllConnections();
  return false;
}

/**
 * Stops accepting and resolves once every connection ended: in-flight requests finish, and a
 * keep-alive connection is closed as soon as it is idle (`close` alone does that only once).
 */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  await closed.finally(() => clearInterval(idle));
}

/** The provider of type `token` anywhere in the app, or undefined (a worker has no ShutdownState). */
function find<T>(app: INestApplicationContext, token: Type<T>): T | undefined {
  try {
    return app.get(token, { strict: false });
  } catch {
    return undefined;
  }
}

function httpServerOf(app: INestApplicationContext): Server | undefined {
  const candidate = app as INestApplicationContext & { getHttpServer?: () => Server };
  return typeof candidate.getHttpServer === 'function' ? candidate.getHttpServer() : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
