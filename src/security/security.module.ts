import { Module } from '@nestjs/common';
import { CsrfService } from './csrf.service.js';
import { RequestProtectionMiddleware } from './request-protection.middleware.js';
import { ConfigurableModuleClass, SECURITY_MODULE_OPTIONS } from './security.module-definition.js';

/** CSRF tokens and the request checks; the host app applies {@link RequestProtectionMiddleware}. */
@Module({
  providers: [CsrfService, RequestProtectionMiddleware],
  // The middleware is instantiated where the app applies it, so its options are exported too.
  exports: [CsrfService, RequestProtectionMiddleware, SECURITY_MODULE_OPTIONS],
})
export class SecurityModule extends ConfigurableModuleClass {}
