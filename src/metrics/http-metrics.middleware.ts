import { performance } from 'node:perf_hooks';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/** What the middleware reads of an Express router layer (router 2). */
interface RouteLayer {
  route: { path: string; methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Observes `<prefix>http_request_duration_seconds{method, route, status}` for every request it
 * sees, when the answer is sent: one timestamp and one histogram observation per request. `route`
 * is the template of the route that matched (`/account/passkeys/:id`), so ids never make new
 * series; a request refused before routing (a 403 cross-site post, a 503 without a store) gets the
 * template it was for; a path that is no route is `unmatched`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private routes?: RouteLayer[];

  constructor(
    protected readonly metrics: MetricsService,
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const start = performance.now();
    res.once('finish', () => {
      this.metrics.httpDuration.observe(
        {
          method: METHODS.has(req.method) ? req.method : 'other',
          route: this.routeOf(req),
          status: String(res.statusCode),
        },
        (performance.now() - start) / 1000,
      );
    });
    next();
  }

  /** The template of the route `req` was for, or `unmatched`. */
  protected routeOf(req: Request): string {
    const matched = (req.route as { path?: unknown } | undefined)?.path;
    // Nest mounts its middleware as catch-all routes (`/{*rest}`): those are no answer's route.
    if (typeof matched === 'string' && !matched.includes('{*')) return matched;
    const path = (req.originalUrl ?? req.url).split('?', 1)[0];
    const method = req.method === 'HEAD' ? 'get' : req.method.toLowerCase();
    const layer = this.routeLayers().find((l) => (l.route.methods[method] || l.route.methods._all) && l.match(path));
    return layer?.route.path ?? 'unmatched';
  }

  /** The app's routes (read once, after they are all registered). */
  protected routeLayers(): RouteLayer[] {
    if (this.routes) return this.routes;
    const app = this.adapterHost.httpAdapter?.getInstance<{ router?: { stack?: Partial<RouteLayer>[] } }>();
    const routes = (app?.router?.stack ?? []).filter(
      (l): l is RouteLayer => !!l.route && typeof l.match === 'function' && !l.route.path.includes('{*'),
    );
    if (routes.length) this.routes = routes;
    return routes;
  }
}
