import { Module } from '@nestjs/common';
import { AuthEventsLogListener } from './auth-events.listener.js';
import { ConfigurableModuleClass } from './logging.module-definition.js';

/**
 * Logs every security event (sign-in steps, locks, account changes) as one line through Nest's
 * `Logger`: see {@link AuthEventsLogListener}. Needs `EventEmitterModule`. The logger itself
 * (pino, JSON or readable) and request logging are set up where the app is created: see
 * `createPinoLogger`, `AppLogger` and `requestLogging`.
 */
@Module({ providers: [AuthEventsLogListener] })
export class LoggingModule extends ConfigurableModuleClass {}
