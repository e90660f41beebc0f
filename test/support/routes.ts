import type { NestExpressApplication } from '@nestjs/platform-express';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every `METHOD /path` the Express router holds (Nest's routes and any added by hand), in OpenAPI's
 * path syntax (`/account/passkeys/{id}`). Catch-all paths (`/{*rest}`) are left out: they are how
 * Nest mounts the middleware.
 */
export function registeredRoutes(app: NestExpressApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  return express.router.stack.flatMap(({ route }) =>
    route && !route.path.includes('{*')
      ? Object.keys(route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
      : [],
  );
}
