export { LoggingModule } from './logging.module.js';
export {
  type LoggingModuleOptions,
  LOGGING_MODULE_OPTIONS,
  InjectLoggingOptions,
} from './logging.module-definition.js';
export { AuthEventsLogListener, LOGGED_EVENTS } from './auth-events.listener.js';
export {
  AppLogger,
  createPinoLogger,
  requestLogger,
  type RequestLog,
  REDACTED_PATHS,
  type AppLoggerOptions,
  type LogLevelName,
} from './app-logger.js';
export { requestLogging, REQUEST_ID_HEADER, type RequestLoggingOptions } from './request-logging.middleware.js';
