import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Optional,
  RequestMethod,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { MailerModule } from '@nestjs-modules/mailer';
import { AccountModule } from './account/index.js';
import type { Clock } from './clock/index.js';
import { AuthModule } from './auth/index.js';
import { DevicesModule } from './devices/index.js';
import { PasskeysModule } from './passkeys/index.js';
import { PasswordModule } from './password/index.js';
import { PasswordsModule } from './passwords/index.js';
import { DatabaseModule } from './database/index.js';
import { RecoveryCodesModule } from './recovery-codes/index.js';
import { TotpModule } from './totp/index.js';
import { APP_CONFIG, type AppConfig, appConfig } from './config/app.config.js';
import { HealthModule } from './health/index.js';
import { AppExceptionFilter } from './app-exception.filter.js';
import { appOptions, usesDevOutbox, usesMetrics } from './app.options.js';
import { createValidationPipe } from './http/index.js';
import { LoggingModule } from './logging/index.js';
import { DevOutboxModule, MailHandoffMiddleware, MailModule } from './mail/index.js';
import { HttpMetricsMiddleware, MetricsModule, MetricsService } from './metrics/index.js';
import { OtpModule } from './otp/index.js';
import { REDIS_CLIENT, type RedisClient, RedisModule } from './redis/index.js';
import {
  ClientThrottlerGuard,
  RedisThrottlerStorage,
  RequestProtectionMiddleware,
  SecurityModule,
} from './security/index.js';
import { SessionMiddleware, SessionModule } from './session/index.js';
import { ViewModule } from './view/index.js';

/** What {@link AppModule.forRoot} takes besides the config. */
export interface AppExtras {
  /**
   * The time source of sign-ins, step-ups, authenticator codes and one-time code deadlines (default
   * the system clock).
   */
  clock?: Clock;
  /**
   * True when the caller checked the database schema already (`createApp` does, before Nest builds
   * the app): DatabaseModule then does not check it a second time at start-up.
   */
  schemaChecked?: boolean;
}

const fromConfig = <T>(pick: (c: AppConfig) => T) => ({ useFactory: pick, inject: [APP_CONFIG] });

/**
 * Wires the features together from the validated config. The only place that knows them all;
 * the only place that applies middleware, the filter, the pipe and the guard globally.
 */
@Module({})
export class AppModule implements NestModule {
  /**
   * @param config the validated config (`loadConfig()`); tests build theirs from their own env.
   * @param extras instances that cannot come from the environment: `clock` (tests move time with it).
   */
  static forRoot(config: AppConfig, extras: AppExtras = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig(config)] }),
        EventEmitterModule.forRoot(),
        RedisModule.forRootAsync(fromConfig(appOptions.redis)),
        ViewModule.forRootAsync(fromConfig(appOptions.view)),
        SessionModule.forRootAsync(fromConfig(appOptions.session)),
        SecurityModule.forRootAsync(fromConfig(appOptions.security)),
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, REDIS_CLIENT],
          useFactory: (c: AppConfig, redis: RedisClient | null) => ({
            throttlers: [{ name: 'default', ttl: 60_000, limit: c.rateLimitPerMinute }],
            storage: redis ? new RedisThrottlerStorage(redis) : undefined,
            setHeaders: false,
          }),
        }),
        MailerModule.forRootAsync({ imports: [], ...fromConfig(appOptions.mailer) }),
        MailModule.forRootAsync(fromConfig(appOptions.mail)),
        ...(usesDevOutbox(config) ? [DevOutboxModule] : []),
        // The same clock as AuthModule's: challenge deadlines move with sign-in times.
        OtpModule.forRootAsync(
          fromConfig((c) => ({ ...appOptions.otp(c), ...(extras.clock ? { clock: extras.clock } : {}) })),
        ),
        ...(config.databaseUrl
          ? [
              DatabaseModule.forRootAsync(
                fromConfig((c) => ({
                  ...appOptions.database(c),
                  ...(extras.schemaChecked ? { schemaCheck: false } : {}),
                })),
              ),
            ]
          : []),
        DevicesModule.forRootAsync(fromConfig(appOptions.devices)),
        AuthModule.forRootAsync(
          fromConfig((c) => ({ ...appOptions.auth(c), ...(extras.clock ? { clock: extras.clock } : {}) })),
        ),
        TotpModule.forRootAsync(fromConfig(appOptions.totp)),
        RecoveryCodesModule.forRootAsync(fromConfig(appOptions.recoveryCodes)),
        PasskeysModule.forRootAsync(fromConfig(appOptions.passkeys)),
        AccountModule,
        PasswordsModule.forRoot({}),
        PasswordModule,
        HealthModule,
        LoggingModule.forRootAsync(fromConfig(appOptions.logging)),
        ...(usesMetrics(config) ? [MetricsModule.forRootAsync(fromConfig(appOptions.metrics))] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: ClientThrottlerGuard },
      ],
    };
  }

  constructor(@Optional() private readonly metrics?: MetricsService) {}

  configure(consumer: MiddlewareConsumer) {
    // First, so that the time of everything after it is measured (metrics on: see usesMetrics).
    if (this.metrics) consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*rest}', method: RequestMethod.ALL });
    // An answer waits until the mails its request queued are stored (never for SMTP). Only POSTs
    // send mail: reads skip it.
    consumer.apply(MailHandoffMiddleware).forRoutes({ path: '{*rest}', method: RequestMethod.POST });
    consumer
      .apply(SessionMiddleware, RequestProtectionMiddleware)
      .exclude(
        { path: 'health/{*rest}', method: RequestMethod.ALL },
        // Swagger UI and the OpenAPI document (outside production): public, read-only, no form.
        { path: 'docs', method: RequestMethod.ALL },
        { path: 'docs/{*rest}', method: RequestMethod.ALL },
      )
      .forRoutes({ path: '{*rest}', method: RequestMethod.ALL });
  }
}
