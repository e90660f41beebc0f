/**
 * `src/main.ts` in a child process, refusing to start: what an operator must change is said in one
 * line on stderr, without a stack trace, and the process exits 1 without listening.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyRing } from '../src/crypto/index.js';
import { MIGRATIONS } from '../src/database/index.js';
import { runChild } from './support/child-app.js';
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from './support/postgres.js';
import { freePort, testRedisUrl } from './support/redis.js';

describe('the server refuses to start', { timeout: 90_000 }, () => {
  let unmigrated: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    unmigrated = await createTestDatabase(testDatabaseUrl());
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'log',
      PORT: String(await freePort()),
      REDIS_URL: testRedisUrl(),
      SESSION_SECRET: randomBytes(24).toString('base64url'),
      OTP_SECRET: randomBytes(24).toString('base64url'),
      MFA_ENCRYPTION_KEY: generateKeyRing(),
    };
  });
  afterAll(() => unmigrated?.drop());

  it('on a database whose schema is behind: says to run `npm run db:migrate`, exit code 1, no stack trace', async () => {
    const run = await runChild('main', [], { ...env, DATABASE_URL: unmigrated.url });
    const pending = Object.keys(MIGRATIONS);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `The database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}). ` +
        'Run `npm run db:migrate`.\n',
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain('    at ');
    expect(run.stdout).not.toContain('Listening on port');
  });

  it('with a bad environment: names the variable, exit code 1, no stack trace', async () => {
    const run = await runChild('main', [], { ...env, DATABASE_URL: 'mysql://root@localhost/app' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL must start with postgres:// or postgresql://');
    expect(`${run.stdout}${run.stderr}`).not.toContain('    at ');
  });
});
