import { Module } from '@nestjs/common';
import { ConfigurableModuleClass, SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import { SessionMiddleware } from './session.middleware.js';
import { SESSION_HANDLER, SESSION_POLICY, SESSION_STORE, sessionProviders } from './session.providers.js';
import { SessionService } from './session.service.js';
import { SessionFields } from './session-fields.js';
import { SessionIndex } from './session-index.js';

/**
 * express-session on connect-redis (or memory without Redis), with idle and absolute limits, and a
 * lean read of the session on requests that do not write it (see {@link SessionMiddleware}).
 * Exports {@link SessionMiddleware} for the host app to apply; it applies nothing by itself.
 */
@Module({
  providers: [...sessionProviders, SessionFields, SessionMiddleware, SessionService],
  // The middleware is instantiated where the app applies it, so its dependencies are exported too.
  exports: [
    SessionMiddleware,
    SessionService,
    SessionFields,
    SessionIndex,
    SESSION_HANDLER,
    SESSION_POLICY,
    SESSION_STORE,
    SESSION_MODULE_OPTIONS,
  ],
})
export class SessionModule extends ConfigurableModuleClass {}
