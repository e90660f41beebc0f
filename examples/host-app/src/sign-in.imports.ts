import { createHmac } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MailerModule, type MailerOptions } from '@nestjs-modules/mailer';
import {
  type AuthModuleOptions,
  DEFAULT_AAL2_FACTORS,
  MailModule,
  OtpModule,
  type RecoveryCodesModuleOptions,
  RedisModule,
  SecurityModule,
  SessionModule,
  smtpTransport,
  type TotpModuleOptions,
  ViewModule,
} from 'nest-mfa-signin';
import { HostAccountStore } from './accounts/host-account.store.js';
import { hostSettings } from './host.config.js';
import { HOST_VIEWS_DIR } from './views.js';

/**
 * The package's infrastructure modules, each configured from the host's `ConfigService`: the
 * Redis client, sessions, request protection, templates (the package's, with the host's few laid
 * over them), mail and one-time codes. All of them are global (the default `isGlobal: true`), so
 * `AuthModule` finds them wherever it is imported.
 */
export function signInInfrastructure(): (DynamicModule | Promise<DynamicModule>)[] {
  return [
    RedisModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ url: hostSettings(config).redisUrl }),
    }),
    SessionModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const host = hostSettings(config);
        return { secrets: [host.sessionSecret], secure: host.secureCookies };
      },
    }),
    SecurityModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const host = hostSettings(config);
        return { appOrigin: host.appOrigin, csrfSecret: host.sessionSecret };
      },
    }),
    ViewModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const host = hostSettings(config);
        return {
          // Only the host's changed templates: the rest come from the package's `views/`.
          overrides: [HOST_VIEWS_DIR],
          site: {
            name: 'Acme Reports',
            appUrl: host.appUrl,
            firstFactor: host.firstFactor,
            passwordMode: host.firstFactor === 'password',
            signupOpen: true,
            codeLength: 6,
          },
        };
      },
    }),
    // `transport: 'smtp'` below sends through @nestjs-modules/mailer: the host owns the transport.
    MailerModule.forRootAsync({
      imports: [],
      inject: [ConfigService],
      useFactory: (config: ConfigService): MailerOptions => ({
        transport: smtpTransport(hostSettings(config).smtpUrl),
        // The mailer types `defaults` as transport options, though nodemailer takes message fields there.
        defaults: { from: hostSettings(config).mailFrom } as MailerOptions['defaults'],
      }),
    }),
    MailModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        transport: 'smtp',
        appUrl: hostSettings(config).appUrl,
        productName: 'Acme Reports',
      }),
    }),
    OtpModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        secret: hostSettings(config).otpSecret,
        resendSeconds: hostSettings(config).otpResendSeconds,
      }),
    }),
  ];
}

/**
 * `AuthModule`'s options: the host's first factor, open sign-up, and the host's own user table.
 * `HostAccountStore` is created inside `AuthModule`, so its `HostDatabaseModule` goes in the
 * `imports` of `AuthModule.forRootAsync`.
 */
export function authOptions(config: ConfigService): AuthModuleOptions {
  return {
    firstFactor: hostSettings(config).firstFactor,
    signup: 'open',
    userStore: HostAccountStore,
    aal2Factors: [...DEFAULT_AAL2_FACTORS, 'acme_token'],
  };
}

/** `TotpModule`'s options: the key ring from `MFA_ENCRYPTION_KEY`, the issuer the app shows. */
export function totpOptions(config: ConfigService): TotpModuleOptions {
  return { encryptionKeys: hostSettings(config).mfaEncryptionKeys, issuer: 'Acme Reports' };
}

/** `RecoveryCodesModule`'s options: a key derived from `OTP_SECRET`, as the package's server does. */
export function recoveryCodesOptions(config: ConfigService): RecoveryCodesModuleOptions {
  return { secret: createHmac('sha256', hostSettings(config).otpSecret).update('recovery-codes').digest() };
}
