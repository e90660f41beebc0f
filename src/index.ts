/**
 * The package entry (`import { AuthModule, AuthGuard } from 'nest-mfa-signin'`): every module a host
 * app may import, and what each exports for it (services, ports, decorators, errors, events, option
 * types). Test helpers and the port contract suites are in `nest-mfa-signin/testing`.
 */
export * from './account/index.js';
export * from './auth/index.js';
export * from './clock/index.js';
export * from './crypto/index.js';
export * from './database/index.js';
export * from './devices/index.js';
export * from './http/index.js';
export * from './logging/index.js';
export * from './mail/index.js';
export * from './metrics/index.js';
export * from './otp/index.js';
export * from './passkeys/index.js';
export * from './password/index.js';
export * from './passwords/index.js';
export * from './recovery-codes/index.js';
export * from './redis/index.js';
export * from './security/index.js';
export * from './session/index.js';
export * from './totp/index.js';
export * from './view/index.js';
export { HealthModule, ShutdownState, enableGracefulShutdown, type GracefulShutdownOptions } from './health/index.js';
export { AppModule } from './app.module.js';
export { appOptions, usesDevOutbox, usesMetrics } from './app.options.js';
export { AppExceptionFilter, type ErrorAnswer } from './app-exception.filter.js';
export { createApp, applyHttpSetup, type HttpSetupOptions } from './app.setup.js';
export type { AppExtras } from './app.module.js';
export { type AppConfig, ConfigError, loadConfig, loadDotEnv, appConfig, APP_CONFIG } from './config/app.config.js';
