export { HealthModule } from './health.module.js';
export { ShutdownState } from './shutdown.state.js';
export { enableGracefulShutdown, type GracefulShutdownOptions } from './graceful-shutdown.js';
