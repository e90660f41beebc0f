import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import {
  AppExceptionFilter,
  AuthGuard,
  AuthModule,
  createValidationPipe,
  HealthModule,
  RecoveryCodesModule,
  RequestProtectionMiddleware,
  SessionMiddleware,
  TotpModule,
} from 'nest-mfa-signin';
import { HostDatabaseModule } from './accounts/host-database.module.js';
import { AcmeTokenModule } from './acme-token/acme-token.module.js';
import { AuthActivityListener } from './audit/auth-activity.listener.js';
import { AuthAuditListener } from './audit/auth-audit.listener.js';
import { hostConfig } from './host.config.js';
import { AdminController } from './reports/admin.controller.js';
import { BillingController } from './reports/billing.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { StatusController } from './reports/status.controller.js';
import { authOptions, recoveryCodesOptions, signInInfrastructure, totpOptions } from './sign-in.imports.js';

/**
 * Acme Reports: the team's app, with the package's sign-in inside it. Every route is behind the
 * global `AuthGuard` unless marked `@Public()`; accounts live in the team's `host_accounts` table;
 * an account signs in with an authenticator app (`TotpModule`) or Acme's hardware token
 * (`AcmeTokenModule`) as its second factor.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [hostConfig] }),
    // `wildcard`: AuthActivityListener hears every auth event with `@OnEvent('auth.*')`.
    EventEmitterModule.forRoot({ wildcard: true }),
    ...signInInfrastructure(),
    AuthModule.forRootAsync({ imports: [HostDatabaseModule], inject: [ConfigService], useFactory: authOptions }),
    TotpModule.forRootAsync({ inject: [ConfigService], useFactory: totpOptions }),
    RecoveryCodesModule.forRootAsync({ inject: [ConfigService], useFactory: recoveryCodesOptions }),
    AcmeTokenModule,
    HealthModule,
  ],
  controllers: [StatusController, ReportsController, AdminController, BillingController],
  providers: [
    AuthAuditListener,
    AuthActivityListener,
    { provide: APP_FILTER, useClass: AppExceptionFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply(SessionMiddleware, RequestProtectionMiddleware)
      // Probes never load or create a session (HealthModule's routes are `@Public()`).
      .exclude({ path: 'health/{*rest}', method: RequestMethod.ALL })
      .forRoutes({ path: '{*rest}', method: RequestMethod.ALL });
  }
}
