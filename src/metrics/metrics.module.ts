import { Module } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { MetricsListener } from './metrics.listener.js';
import { ConfigurableModuleClass } from './metrics.module-definition.js';
import { MetricsServer } from './metrics.server.js';
import { MetricsService } from './metrics.service.js';
import { RedisErrorsListener } from './redis-errors.listener.js';

/**
 * Prometheus metrics (prom-client) of the sign-in server or the mail worker: counters fed by the
 * app's events (needs `EventEmitterModule`), Redis failures, the mail queue's depth, and HTTP
 * durations through {@link HttpMetricsMiddleware}, which the app applies first (this module
 * registers no middleware). Served on `options.port` by a server of its own, or by the app where
 * it mounts `metricsEndpoint`.
 */
@Module({
  providers: [MetricsService, MetricsListener, RedisErrorsListener, MetricsServer, HttpMetricsMiddleware],
  exports: [MetricsService, HttpMetricsMiddleware],
})
export class MetricsModule extends ConfigurableModuleClass {}
