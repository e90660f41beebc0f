export { SecurityModule } from './security.module.js';
export {
  type SecurityModuleOptions,
  SECURITY_MODULE_OPTIONS,
  InjectSecurityOptions,
} from './security.module-definition.js';
export { CsrfService } from './csrf.service.js';
export { RequestProtectionMiddleware } from './request-protection.middleware.js';
export { ClientThrottlerGuard } from './client-throttler.guard.js';
export { RedisThrottlerStorage } from './redis-throttler.storage.js';
export * from './security.errors.js';
