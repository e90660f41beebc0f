import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MetricsService } from './metrics.service.js';

/**
 * Answers a scrape: `GET` (or `HEAD`) gets every metric in Prometheus' text format, uncached;
 * any other method 405. Shared by the metrics port and {@link metricsEndpoint}.
 */
export async function answerScrape(metrics: MetricsService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
    return;
  }
  try {
    const text = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Metrics unavailable\n');
  }
}

/**
 * `GET /metrics` on the app's own port: mount it with `app.use('/metrics', metricsEndpoint(...))`
 * before the session and the app's middleware (a scrape has no session, no CSRF token, no budget,
 * and is not itself measured). Other paths under `/metrics` go on to the app (a 404).
 */
export function metricsEndpoint(metrics: MetricsService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/') return next();
    void answerScrape(metrics, req, res);
  };
}
