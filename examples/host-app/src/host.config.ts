import { ConfigService, registerAs } from '@nestjs/config';

/** The host app's settings, read once from the environment by {@link hostConfig}. */
export interface HostConfig {
  /** `PORT` the app listens on (default 3000). */
  port: number;
  /** Public base URL (`APP_URL`), without a trailing slash. */
  appUrl: string;
  /** `scheme://host[:port]` of {@link appUrl}: the only origin a POST may come from. */
  appOrigin: string;
  /** True when {@link appUrl} is https: `Secure` cookies with the `__Host-` prefix, HSTS. */
  secureCookies: boolean;
  /**
   * `TRUST_PROXY_HOPS`: how many proxies in front of the app to trust for the client address and
   * https (Express `trust proxy`); unset, none (`false`).
   */
  trustProxy: false | number;
  redisUrl: string;
  /** The team's own PostgreSQL, where `host_accounts` lives (`DATABASE_URL`). */
  databaseUrl: string;
  smtpUrl: string;
  mailFrom: string;
  /** `SESSION_SECRET`, at least 32 characters: signs the session cookie and keys the CSRF tokens. */
  sessionSecret: string;
  /** `OTP_SECRET`, at least 32 characters: the HMAC key of stored codes. */
  otpSecret: string;
  /** `MFA_ENCRYPTION_KEY`: the key ring that seals authenticator secrets. */
  mfaEncryptionKeys: string;
  /** `AUTH_FIRST_FACTOR`: `email` (the emailed code alone, the default) or `password`. */
  firstFactor: 'password' | 'email';
  /** `OTP_RESEND_SECONDS`: cooldown between two mails to one address (default 60). */
  otpResendSeconds: number;
}

/**
 * `ConfigModule.forRoot({ load: [hostConfig] })`: the host's settings under the `host` key, checked
 * once at boot. The only reader of `process.env` in the host app.
 * @throws Error naming every missing or invalid variable.
 */
export const hostConfig = registerAs('host', (): HostConfig => readHostConfig(process.env));

/** {@link HostConfig} from an environment. @throws Error naming every missing or invalid variable. */
export function readHostConfig(env: Record<string, string | undefined>): HostConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const secret = (name: string): string => {
    const value = required(name);
    if (value && value.length < 32) problems.push(`${name} must be at least 32 characters`);
    return value;
  };
  const appUrl = required('APP_URL').replace(/\/+$/, '');
  const firstFactor = env.AUTH_FIRST_FACTOR ?? 'email';
  if (firstFactor !== 'email' && firstFactor !== 'password')
    problems.push('AUTH_FIRST_FACTOR must be email or password');
  const otpResendSeconds = Number(env.OTP_RESEND_SECONDS ?? 60);
  if (!Number.isInteger(otpResendSeconds) || otpResendSeconds < 1) {
    problems.push('OTP_RESEND_SECONDS must be a positive integer');
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push('PORT must be a port number');
  const hops = env.TRUST_PROXY_HOPS === undefined ? undefined : Number(env.TRUST_PROXY_HOPS);
  if (hops !== undefined && (!Number.isInteger(hops) || hops < 1)) {
    problems.push('TRUST_PROXY_HOPS must be a positive integer');
  }
  const config: HostConfig = {
    port,
    appUrl,
    appOrigin: appUrl ? new URL(appUrl).origin : '',
    secureCookies: appUrl.startsWith('https:'),
    trustProxy: hops ?? false,
    redisUrl: required('REDIS_URL'),
    databaseUrl: required('DATABASE_URL'),
    smtpUrl: required('SMTP_URL'),
    mailFrom: env.MAIL_FROM ?? 'Acme Reports <no-reply@acme.example>',
    sessionSecret: secret('SESSION_SECRET'),
    otpSecret: secret('OTP_SECRET'),
    mfaEncryptionKeys: required('MFA_ENCRYPTION_KEY'),
    firstFactor: firstFactor === 'password' ? 'password' : 'email',
    otpResendSeconds,
  };
  if (problems.length) throw new Error(`Host app configuration: ${problems.join('; ')}`);
  return config;
}

/** The host's settings, in a `forRootAsync` factory that injects `ConfigService`. */
export function hostSettings(config: ConfigService): HostConfig {
  return config.getOrThrow<HostConfig>('host');
}
