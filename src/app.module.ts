import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { MailerModule, type MailerOptions } from '@nestjs-modules/mailer';
import { AuthModule } from './auth/index.js';
import { APP_CONFIG, type AppConfig, appConfig } from './config/app.config.js';
import { HealthModule } from './health/health.module.js';
import { AppExceptionFilter, createValidationPipe, FormPageInterceptor, WebModule } from './http/index.js';
import { MailModule } from './mail/index.js';
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

const fromConfig = <T>(pick: (c: AppConfig) => T) => ({ useFactory: pick, inject: [APP_CONFIG] });

/**
 * Wires the features together from the validated config. The only place that knows them all;
 * the only place that applies middleware, the filter, the pipe and the interceptor globally.
 */
@Module({})
export class AppModule implements NestModule {
  /** @param config the validated config (`loadConfig()`); tests build theirs from their own env. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig(config)] }),
        EventEmitterModule.forRoot(),
        RedisModule.forRootAsync(fromConfig((c) => ({ url: c.redisUrl }))),
        ViewModule.forRootAsync(
          fromConfig((c) => ({
            site: {
              name: 'Sign-in',
              appUrl: c.appUrl,
              firstFactor: c.firstFactor,
              passwordMode: c.firstFactor === 'password',
              signupOpen: c.signup === 'open',
              codeLength: c.otp.length,
              devOutbox: !c.smtpUrl && c.env !== 'production',
            },
          })),
        ),
        SessionModule.forRootAsync(fromConfig((c) => ({ secrets: c.sessionSecrets, secure: c.secureCookies }))),
        SecurityModule.forRootAsync(fromConfig((c) => ({ appOrigin: c.appOrigin, csrfSecret: c.sessionSecrets[0] }))),
        WebModule,
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, REDIS_CLIENT],
          useFactory: (c: AppConfig, redis: RedisClient | null) => ({
            throttlers: [{ name: 'default', ttl: 60_000, limit: c.rateLimitPerMinute }],
            storage: redis ? new RedisThrottlerStorage(redis) : undefined,
            setHeaders: false,
          }),
        }),
        MailerModule.forRootAsync({
          imports: [],
          ...fromConfig(
            (c): MailerOptions => ({
              transport: c.smtpUrl ? smtpTransport(c.smtpUrl) : { jsonTransport: true },
              defaults: { from: c.mailFrom } as MailerOptions['defaults'],
            }),
          ),
        }),
        MailModule.forRootAsync(
          fromConfig((c) => ({
            transport: c.smtpUrl ? ('smtp' as const) : ('outbox' as const),
            appUrl: c.appUrl,
            codeInSubject: c.mailCodeInSubject,
          })),
        ),
        OtpModule.forRootAsync(
          fromConfig((c) => ({
            secret: c.otpSecret,
            length: c.otp.length,
            ttlSeconds: c.otp.ttlSeconds,
            maxAttempts: c.otp.maxAttempts,
            resendSeconds: c.otp.resendSeconds,
          })),
        ),
        AuthModule.forRootAsync(
          fromConfig((c) => ({
            firstFactor: c.firstFactor,
            signup: c.signup,
            passwordHash: { memoryKib: c.password.memoryKib, iterations: c.password.iterations },
          })),
        ),
        HealthModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: ClientThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: FormPageInterceptor },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply(SessionMiddleware, RequestProtectionMiddleware)
      .exclude({ path: 'health/{*rest}', method: RequestMethod.ALL })
      .forRoutes({ path: '{*rest}', method: RequestMethod.ALL });
  }
}

/** A pooled SMTP transport with timeouts, from an smtp(s):// URL. */
function smtpTransport(url: string): string {
  const u = new URL(url);
  // Pooled connections live on (maxMessages) instead of reconnecting every 100 mails: a new SMTP
  // session costs a handshake and the server's greeting delay on the sign-in's critical path.
  const defaults = {
    pool: 'true',
    maxConnections: '5',
    maxMessages: 'Infinity',
    connectionTimeout: '5000',
    greetingTimeout: '5000',
    socketTimeout: '15000',
  };
  for (const [k, v] of Object.entries(defaults)) if (!u.searchParams.has(k)) u.searchParams.set(k, v);
  return u.toString();
}
