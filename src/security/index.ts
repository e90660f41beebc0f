export { SecurityModule } from './security.module.js';
export type { SecurityModuleOptions } from './security.module-definition.js';
export { CsrfService } from './csrf.service.js';
export { RequestProtectionMiddleware } from './request-protection.middleware.js';
