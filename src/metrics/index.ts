export { MetricsModule } from './metrics.module.js';
export {
  type MetricsModuleOptions,
  METRICS_MODULE_OPTIONS,
  InjectMetricsOptions,
} from './metrics.module-definition.js';
export { MetricsService, labelValue } from './metrics.service.js';
export { HttpMetricsMiddleware } from './http-metrics.middleware.js';
export { metricsEndpoint, answerScrape } from './metrics.endpoint.js';
export { MetricsServer } from './metrics.server.js';
