import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of {@link SecurityModule}. */
export interface SecurityModuleOptions {
  /** `scheme://host[:port]` of the public URL; a POST whose Origin differs is refused. */
  appOrigin: string;
  /** POSTs one client address may make per minute to the sign-in routes (default 60). */
  rateLimitPerMinute?: number;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SECURITY_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SecurityModuleOptions>().setClassMethodName('forRoot').build();
