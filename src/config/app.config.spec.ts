import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app.config.js';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);
const KEY_RING = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

/** A complete production environment; tests remove or change one variable at a time. */
const PRODUCTION = {
  NODE_ENV: 'production',
  APP_URL: 'https://signin.example.com',
  REDIS_URL: 'redis://redis:6379',
  SMTP_URL: 'smtp://user:pass@mail.example.com:587',
  SESSION_SECRET: SECRET_A,
  OTP_SECRET: SECRET_B,
  MFA_ENCRYPTION_KEY: KEY_RING,
} as const;

/** The ConfigError loadConfig throws for `env` (fails the test when it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('applies the documented defaults to an empty environment', () => {
      const c = loadConfig({});
      expect(c.port).toBe(3000);
      expect(c.env).toBe('development');
      expect(c.appUrl).toBe('http://localhost:3000');
      expect(c.appOrigin).toBe('http://localhost:3000');
      expect(c.secureCookies).toBe(false);
      expect(c.redisUrl).toBeUndefined();
      expect(c.smtpUrl).toBeUndefined();
      expect(c.mailFrom).toBe('Sign-in <no-reply@localhost>');
      expect(c.firstFactor).toBe('password');
      expect(c.signup).toBe('open');
      expect(c.otp).toEqual({ length: 6, ttlSeconds: 600, maxAttempts: 5, resendSeconds: 60, validCodes: 3 });
      expect(c.mailLink).toBe(true);
      expect(c.databaseUrl).toBeUndefined();
      expect(c.trustProxy).toBe(false);
    });

    it('makes random secrets (at least 32 characters, different per boot) and warns about them', () => {
      const a = loadConfig({});
      const b = loadConfig({});
      expect(a.sessionSecrets).toHaveLength(1);
      expect(a.sessionSecrets[0].length).toBeGreaterThanOrEqual(32);
      expect(a.otpSecret.length).toBeGreaterThanOrEqual(32);
      expect(a.sessionSecrets[0]).not.toBe(b.sessionSecrets[0]);
      expect(a.otpSecret).not.toBe(b.otpSecret);
      expect(a.warnings.join('\n')).toMatch(/SESSION_SECRET/);
      expect(a.warnings.join('\n')).toMatch(/OTP_SECRET/);
      expect(a.warnings.join('\n')).toMatch(/REDIS_URL/);
      expect(a.warnings.join('\n')).toMatch(/SMTP_URL/);
    });

    it('derives the default APP_URL from PORT', () => {
      const c = loadConfig({ PORT: '4100' });
      expect(c.port).toBe(4100);
      expect(c.appUrl).toBe('http://localhost:4100');
    });

    it('logs readable lines in development, JSON otherwise; metrics on the public port outside production', () => {
      expect(loadConfig({}).logFormat).toBe('pretty');
      expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
      expect(loadConfig({}).metricsOnPublicPort).toBe(true);
      expect(loadConfig({ NODE_ENV: 'test' }).metricsOnPublicPort).toBe(true);
      expect(loadConfig({ METRICS_PORT: '9464' }).metricsOnPublicPort).toBe(false);
    });

    it('treats empty strings as unset', () => {
      const c = loadConfig({ PORT: '', APP_URL: '', OTP_LENGTH: '', SESSION_SECRET: '' });
      expect(c.port).toBe(3000);
      expect(c.appUrl).toBe('http://localhost:3000');
      expect(c.otp.length).toBe(6);
    });

    it('ignores unrelated variables', () => {
      expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' })).not.toThrow();
    });
  });

  describe('values', () => {
    it('reads every variable', () => {
      const c = loadConfig({
        PORT: '8080',
        APP_URL: 'https://signin.example.com/base/',
        REDIS_URL: 'rediss://:pw@redis.example.com:6380',
        SMTP_URL: 'smtps://u:p@mail.example.com:465',
        MAIL_FROM: 'Acme <login@acme.test>',
        SESSION_SECRET: SECRET_A,
        OTP_SECRET: SECRET_B,
        AUTH_FIRST_FACTOR: 'email',
        AUTH_SIGNUP: 'closed',
        OTP_LENGTH: '8',
        OTP_TTL_SECONDS: '1',
        OTP_MAX_ATTEMPTS: '3',
        OTP_RESEND_SECONDS: '2',
        DATABASE_URL: 'postgres://u:p@db.example.com:5432/signin',
        MFA_ENCRYPTION_KEY: KEY_RING,
        MFA_EMAIL_FALLBACK: 'true',
        AAL2_FACTORS: 'totp, recovery_code',
        OTP_VALID_CODES: '1',
        MAIL_LINK: 'false',
      });
      expect(c).toMatchObject({
        databaseUrl: 'postgres://u:p@db.example.com:5432/signin',
        mfaEncryptionKeys: KEY_RING,
        mfaEmailFallback: true,
        aal2Factors: ['totp', 'recovery_code'],
        mailLink: false,
        port: 8080,
        appUrl: 'https://signin.example.com/base',
        appOrigin: 'https://signin.example.com',
        redisUrl: 'rediss://:pw@redis.example.com:6380',
        smtpUrl: 'smtps://u:p@mail.example.com:465',
        mailFrom: 'Acme <login@acme.test>',
        sessionSecrets: [SECRET_A],
        otpSecret: SECRET_B,
        firstFactor: 'email',
        signup: 'closed',
        otp: { length: 8, ttlSeconds: 1, maxAttempts: 3, resendSeconds: 2, validCodes: 1 },
      });
      expect(c.warnings).toEqual([]);
    });

    it('rotates SESSION_SECRET: a comma list keeps its order, the first signs', () => {
      const c = loadConfig({ SESSION_SECRET: `${SECRET_B},${SECRET_A}` });
      expect(c.sessionSecrets).toEqual([SECRET_B, SECRET_A]);
      expect(c.sessionSecrets[0]).toBe(SECRET_B);
    });

    it('sets secureCookies for an https APP_URL only', () => {
      expect(loadConfig({ APP_URL: 'https://signin.example.com' }).secureCookies).toBe(true);
      expect(loadConfig({ APP_URL: 'http://signin.example.com' }).secureCookies).toBe(false);
    });

    it('accepts an http APP_URL in production with a warning', () => {
      const c = loadConfig({ ...PRODUCTION, APP_URL: 'http://signin.internal:8080' });
      expect(c.env).toBe('production');
      expect(c.secureCookies).toBe(false);
      expect(c.warnings).toEqual([expect.stringMatching(/APP_URL is http in production/)]);
    });

    it('gives no warning for a complete https production configuration behind a trusted proxy', () => {
      const c = loadConfig({ ...PRODUCTION, TRUST_PROXY: '1' });
      expect(c.secureCookies).toBe(true);
      expect(c.warnings).toEqual([]);
    });

    it('warns when an https APP_URL has no trusted proxy to tell it the request was https', () => {
      const c = loadConfig(PRODUCTION);
      expect(c.warnings.join(' ')).toMatch(/TRUST_PROXY is not set/);
    });

    it.each([
      [undefined, false],
      ['false', false],
      ['true', true],
      ['2', 2],
      ['0', 0],
      ['10.0.0.0/8', ['10.0.0.0/8']],
      ['10.0.0.0/8, 192.168.0.0/16,fd00::/8', ['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8']],
      ['loopback', ['loopback']],
    ])('parses TRUST_PROXY=%s', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });
  });

  describe('rejections name the variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '0'],
      ['PORT', '70000'],
      ['APP_URL', 'ftp://x'],
      ['APP_URL', 'localhost:3000'],
      ['APP_URL', 'http://host:port'],
      ['REDIS_URL', 'http://x'],
      ['SMTP_URL', 'x'],
      ['SESSION_SECRET', 'short'],
      ['SESSION_SECRET', `${SECRET_A},short`],
      ['OTP_SECRET', 'x'.repeat(31)],
      ['AUTH_FIRST_FACTOR', 'sms'],
      ['AUTH_SIGNUP', 'maybe'],
      ['OTP_LENGTH', '3'],
      ['OTP_LENGTH', 'six'],
      ['OTP_TTL_SECONDS', '0'],
      ['OTP_TTL_SECONDS', '1.5'],
      ['OTP_MAX_ATTEMPTS', '0'],
      ['OTP_RESEND_SECONDS', '-1'],
      ['NODE_ENV', 'staging'],
      ['TRUST_PROXY', 'yes please'],
      ['MAIL_FROM', 'a\r\nBcc: x@evil.test'],
      ['LOG_FORMAT', 'xml'],
      ['METRICS_PORT', 'nine'],
      ['METRICS_PORT', '0'],
      ['METRICS_PORT', '65536'],
      ['METRICS_PORT', '3000'],
    ])('%s=%j', (name, value) => {
      const err = configError({ [name]: value });
      expect(err.message).toMatch(/^Invalid configuration:/);
      expect(err.message).toContain(name);
    });

    it('gives a clear message for each documented case', () => {
      expect(configError({ PORT: 'abc' }).message).toMatch(/PORT must be an integer/);
      expect(configError({ APP_URL: 'ftp://x' }).message).toContain('APP_URL must be an http(s) URL');
      expect(configError({ REDIS_URL: 'http://x' }).message).toContain(
        'REDIS_URL must start with redis:// or rediss://',
      );
      expect(configError({ SMTP_URL: 'x' }).message).toContain('SMTP_URL must start with smtp:// or smtps://');
      expect(configError({ SESSION_SECRET: 'short' }).message).toContain(
        'SESSION_SECRET must be at least 32 characters',
      );
      expect(configError({ OTP_SECRET: 'short' }).message).toContain('OTP_SECRET must be at least 32 characters');
      expect(configError({ AUTH_FIRST_FACTOR: 'sms' }).message).toMatch(
        /AUTH_FIRST_FACTOR must be one of .*password, email/,
      );
      expect(configError({ OTP_TTL_SECONDS: '0' }).message).toMatch(/OTP_TTL_SECONDS must not be less than 1/);
    });

    it('lists every bad variable at once', () => {
      const { message } = configError({ PORT: 'abc', OTP_SECRET: 'short', AUTH_SIGNUP: 'maybe' });
      expect(message).toContain('PORT');
      expect(message).toContain('OTP_SECRET');
      expect(message).toContain('AUTH_SIGNUP');
    });
  });

  describe('multi-factor settings', () => {
    it('defaults: a random key ring with a warning, no email fallback, email_otp counts toward AAL2', () => {
      const c = loadConfig({});
      expect(c.mfaEncryptionKeys).toMatch(/^[\w-]+:[A-Za-z0-9+/]{43}=$/);
      expect(c.mfaEmailFallback).toBe(false);
      expect(c.aal2Factors).toEqual(['email_otp', 'totp', 'recovery_code', 'passkey']);
      expect(c.warnings.join('\n')).toContain('MFA_ENCRYPTION_KEY is not set');
    });

    it.each([
      ['a key of the wrong length', `k1:${Buffer.alloc(16).toString('base64')}`],
      ['an entry without an id', Buffer.alloc(32).toString('base64')],
      ['a repeated id', `k1:${Buffer.alloc(32).toString('base64')},k1:${Buffer.alloc(32, 2).toString('base64')}`],
    ])('refuses MFA_ENCRYPTION_KEY with %s, naming the variable', (_label, value) => {
      expect(configError({ MFA_ENCRYPTION_KEY: value }).message).toContain('MFA_ENCRYPTION_KEY');
    });

    it('refuses an unknown factor in AAL2_FACTORS and a bad MFA_EMAIL_FALLBACK', () => {
      expect(configError({ AAL2_FACTORS: 'totp,sms' }).message).toContain('AAL2_FACTORS');
      expect(configError({ MFA_EMAIL_FALLBACK: 'yes' }).message).toContain('MFA_EMAIL_FALLBACK');
      expect(configError({ DATABASE_URL: 'mysql://x' }).message).toContain('DATABASE_URL');
    });
  });

  describe('production', () => {
    it.each(['REDIS_URL', 'SMTP_URL', 'SESSION_SECRET', 'OTP_SECRET', 'APP_URL', 'MFA_ENCRYPTION_KEY'] as const)(
      'refuses to start without %s',
      (name) => {
        const env: Record<string, string | undefined> = { ...PRODUCTION, [name]: undefined };
        const { message } = configError(env);
        expect(message).toContain(`${name} is required when NODE_ENV=production`);
        // Only the missing one is named.
        const others = [
          'REDIS_URL',
          'SMTP_URL',
          'SESSION_SECRET',
          'OTP_SECRET',
          'APP_URL',
          'MFA_ENCRYPTION_KEY',
        ].filter((n) => n !== name);
        for (const other of others) expect(message).not.toContain(`${other} is required`);
      },
    );

    it('serves metrics on METRICS_PORT only, and nowhere without it', () => {
      const off = loadConfig(PRODUCTION);
      expect(off.metricsPort).toBeUndefined();
      expect(off.metricsOnPublicPort).toBe(false);
      const own = loadConfig({ ...PRODUCTION, METRICS_PORT: '9464' });
      expect(own.metricsPort).toBe(9464);
      expect(own.metricsOnPublicPort).toBe(false);
      expect(configError({ ...PRODUCTION, PORT: '8080', METRICS_PORT: '8080' }).message).toContain(
        'METRICS_PORT must differ from PORT',
      );
    });

    it('writes JSON logs unless told otherwise', () => {
      expect(loadConfig(PRODUCTION).logFormat).toBe('json');
      expect(loadConfig({ ...PRODUCTION, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    });

    it('names every missing variable when nothing is set', () => {
      const { message } = configError({ NODE_ENV: 'production' });
      for (const name of ['REDIS_URL', 'SMTP_URL', 'SESSION_SECRET', 'OTP_SECRET', 'APP_URL', 'MFA_ENCRYPTION_KEY']) {
        expect(message).toContain(`${name} is required when NODE_ENV=production`);
      }
    });

    it('takes REDIS_CLUSTER_NODES instead of REDIS_URL, never both, and reads its seed nodes', () => {
      const nodes = '10.0.0.1:7000, redis://10.0.0.2:7001,rediss://10.0.0.3:7002';
      const config = loadConfig({ ...PRODUCTION, REDIS_URL: undefined, REDIS_CLUSTER_NODES: nodes });
      expect(config.redisUrl).toBeUndefined();
      expect(config.redisClusterNodes).toEqual([
        'redis://10.0.0.1:7000',
        'redis://10.0.0.2:7001',
        'rediss://10.0.0.3:7002',
      ]);
      expect(configError({ ...PRODUCTION, REDIS_CLUSTER_NODES: nodes }).message).toContain(
        'Set REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
      );
      for (const bad of [
        '10.0.0.1',
        'http://10.0.0.1:7000',
        '10.0.0.1:7000,,10.0.0.2:7000',
        '10.0.0.1:7000 10.0.0.2:7000',
      ]) {
        expect(configError({ REDIS_CLUSTER_NODES: bad }).message, bad).toContain('REDIS_CLUSTER_NODES must be');
      }
    });

    it('reads the shutdown timings (default 5 s of grace, then at most 25 s) and refuses others', () => {
      expect(loadConfig({}).shutdown).toEqual({ graceSeconds: 5, timeoutSeconds: 25 });
      expect(loadConfig({ SHUTDOWN_GRACE_SECONDS: '0', SHUTDOWN_TIMEOUT_SECONDS: '60' }).shutdown).toEqual({
        graceSeconds: 0,
        timeoutSeconds: 60,
      });
      for (const [name, value] of [
        ['SHUTDOWN_GRACE_SECONDS', '-1'],
        ['SHUTDOWN_GRACE_SECONDS', '301'],
        ['SHUTDOWN_TIMEOUT_SECONDS', '0'],
        ['SHUTDOWN_TIMEOUT_SECONDS', 'soon'],
      ]) {
        expect(configError({ [name]: value }).message, `${name}=${value}`).toContain(name);
      }
    });

    it('does not require them outside production', () => {
      expect(() => loadConfig({ NODE_ENV: 'development' })).not.toThrow();
      expect(() => loadConfig({ NODE_ENV: 'test' })).not.toThrow();
    });
  });
});
