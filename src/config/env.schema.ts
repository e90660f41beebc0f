import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value === '' ? undefined : value;

/**
 * The environment variables the server reads, validated once at boot.
 * Every variable is documented in the README; defaults are applied in `app.config.ts`.
 */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'APP_URL must be an http(s) URL' })
  APP_URL?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^((rediss?:\/\/)?[^\s,/]+:\d{1,5})(\s*,\s*(rediss?:\/\/)?[^\s,/]+:\d{1,5})*$/, {
    message: 'REDIS_CLUSTER_NODES must be a comma list of host:port (or redis://host:port) seed nodes',
  })
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must start with smtp:// or smtps://' })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[^\r\n]+$/, { message: 'MAIL_FROM must be one line' })
  MAIL_FROM?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'MAIL_CODE_IN_SUBJECT must be true or false' })
  MAIL_CODE_IN_SUBJECT?: string;

  @IsOptional()
  @IsIn(['inline', 'off'], { message: 'MAIL_WORKER must be inline or off' })
  MAIL_WORKER?: string;

  @IsOptional()
  @Matches(/^[\w.-]{1,100}$/, { message: 'MAIL_QUEUE must be letters, digits, ".", "_" or "-" (at most 100)' })
  MAIL_QUEUE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  MAIL_LOCK_SECONDS?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[^,]{32,}(,[^,]{32,})*$/, {
    message: 'SESSION_SECRET must be at least 32 characters (a comma list rotates: each at least 32)',
  })
  SESSION_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'OTP_SECRET must be at least 32 characters' })
  OTP_SECRET?: string;

  @IsOptional()
  @IsIn(['password', 'email'])
  AUTH_FIRST_FACTOR?: string;

  @IsOptional()
  @IsIn(['open', 'closed'])
  AUTH_SIGNUP?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(10)
  OTP_LENGTH?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(2_147_483)
  OTP_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  OTP_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(2_147_483)
  OTP_RESEND_SECONDS?: number;

  @IsOptional()
  @IsString()
  @Matches(
    /^(true|false|\d+|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+))*)$/,
    {
      message: 'TRUST_PROXY must be true, false, a hop count, or a comma list of subnets',
    },
  )
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1048576)
  PASSWORD_HASH_MEMORY_KIB?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  PASSWORD_HASH_ITERATIONS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  SHUTDOWN_GRACE_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  SHUTDOWN_TIMEOUT_SECONDS?: number;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  MFA_ENCRYPTION_KEY?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'MFA_EMAIL_FALLBACK must be true or false' })
  MFA_EMAIL_FALLBACK?: string;

  @IsOptional()
  @Matches(/^\s*(email_otp|totp|recovery_code|passkey)(\s*,\s*(email_otp|totp|recovery_code|passkey))*\s*$/, {
    message: 'AAL2_FACTORS must be a comma list of email_otp, totp, recovery_code, passkey',
  })
  AAL2_FACTORS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  OTP_VALID_CODES?: number;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'MAIL_LINK must be true or false' })
  MAIL_LINK?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(365)
  REMEMBER_DEVICE_DAYS?: number;
}
