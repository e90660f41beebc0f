import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';

/** Options of {@link MetricsModule}. */
export interface MetricsModuleOptions {
  /**
   * Serve `GET /metrics` on this port, from a small HTTP server of its own (never the app's routes,
   * session, or limits). Unset: no server; the app may mount `metricsEndpoint` itself.
   */
  port?: number;
  /** Address the metrics server listens on (default every interface). */
  host?: string;
  /** Prefix of every metric name of this module (default `signin_`). */
  prefix?: string;
  /**
   * Also export prom-client's default process metrics (`process_*`, `nodejs_*`: CPU, memory, event
   * loop lag, GC), read when scraped. Default true.
   */
  nodeMetrics?: boolean;
}

/**
 * `MetricsModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default
 * true: `HttpMetricsMiddleware` and `MetricsService` are injectable anywhere). DI errors name the
 * module `Metrics`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: METRICS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<MetricsModuleOptions>({ moduleName: 'Metrics' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link MetricsModuleOptions}). */
export const InjectMetricsOptions = () => Inject(METRICS_MODULE_OPTIONS);
