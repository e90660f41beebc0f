import { createServer, type Server } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { answerScrape } from './metrics.endpoint.js';
import { InjectMetricsOptions, type MetricsModuleOptions } from './metrics.module-definition.js';
import { MetricsService } from './metrics.service.js';

/**
 * With `MetricsModuleOptions.port`: a plain HTTP server of its own that answers `GET /metrics`
 * and 404 to anything else. Nothing of the app (routes, session, limits, logs) is on it. It
 * listens at bootstrap (a port already taken fails the start) and closes at shutdown.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger('Metrics');
  protected server?: Server;

  constructor(
    @InjectMetricsOptions() protected readonly options: MetricsModuleOptions,
    protected readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.options;
    if (port === undefined) return;
    const server = createServer((req, res) => {
      if ((req.url ?? '/').split('?', 1)[0] === '/metrics') return void answerScrape(this.metrics, req, res);
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics on port ${port}: GET /metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
