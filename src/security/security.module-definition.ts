import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';

/** Options of {@link SecurityModule}. */
export interface SecurityModuleOptions {
  /** `scheme://host[:port]` of the public URL; a POST whose Origin differs is refused. */
  appOrigin: string;
  /** Key the CSRF tokens' HMAC key is derived from, at least 32 characters (the app passes the session signing secret). */
  csrfSecret: string;
  /**
   * `Secure` CSRF cookie with the `__Host-` prefix (`__Host-csrf`, else `csrf`); set it as the session
   * cookie's. Default: true when {@link appOrigin} is https.
   */
  secure?: boolean;
}

/**
 * `SecurityModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Security`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SECURITY_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SecurityModuleOptions>({ moduleName: 'Security' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link SecurityModuleOptions}), e.g. in a host app's own guard. */
export const InjectSecurityOptions = () => Inject(SECURITY_MODULE_OPTIONS);
