import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of {@link SecurityModule}. */
export interface SecurityModuleOptions {
  /** `scheme://host[:port]` of the public URL; a POST whose Origin differs is refused. */
  appOrigin: string;
  /** Key of the CSRF token HMAC, at least 32 characters (the app passes the session signing secret). */
  csrfSecret: string;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SECURITY_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SecurityModuleOptions>().setClassMethodName('forRoot').build();
