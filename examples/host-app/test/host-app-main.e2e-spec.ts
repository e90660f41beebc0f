import { randomBytes } from 'node:crypto';
import { generateKeyRing } from 'nest-mfa-signin';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildApp, httpLive, startChild } from '../../../test/support/child-app.js';
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from '../../../test/support/postgres.js';
import { freePort, testRedisUrl } from '../../../test/support/redis.js';
import { TestSmtpServer } from '../../../test/support/smtp.js';
import { uniqueEmail } from './host-app.fixture.js';

// The host's own `src/main.ts` in a child process, as a team that copied the folder runs it: on a
// database nobody prepared, it makes its table before listening, and the first sign-in works.
describe("the host app's main.ts on a fresh database", { timeout: 90_000 }, () => {
  const smtp = new TestSmtpServer();
  let fresh: TestDatabase;
  let server: ChildApp | undefined;
  let port: number;

  beforeAll(async () => {
    await smtp.start();
    fresh = await createTestDatabase(testDatabaseUrl());
    port = await freePort();
    server = await startChild(
      'examples/host-app/src/main',
      {
        PORT: String(port),
        APP_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: testRedisUrl(),
        DATABASE_URL: fresh.url,
        SMTP_URL: smtp.url,
        SESSION_SECRET: randomBytes(24).toString('base64url'),
        OTP_SECRET: randomBytes(24).toString('base64url'),
        MFA_ENCRYPTION_KEY: generateKeyRing(),
      },
      httpLive(port),
      60_000,
    );
  });

  afterAll(async () => {
    await server?.kill('SIGTERM');
    await fresh?.drop();
    await smtp.stop();
  });

  it('creates host_accounts before it listens, and the first sign-in makes its row', async () => {
    const db = new pg.Client({ connectionString: fresh.url });
    await db.connect();
    try {
      const table = await db.query("select to_regclass('host_accounts') as name");
      expect(table.rows[0]).toEqual({ name: 'host_accounts' });

      const email = uniqueEmail('main');
      const agent = request.agent(`http://127.0.0.1:${port}`);
      const started = await agent.post('/auth').send({ email });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      const { code } = await smtp.waitForMail(email);
      const verified = await agent.post('/verify').send({ code });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      expect(verified.body).toMatchObject({ status: 'authenticated' });
      const rows = await db.query('select email from host_accounts where email = $1', [email]);
      expect(rows.rows).toEqual([{ email }]);
    } finally {
      await db.end();
    }
    expect(server?.output()).toContain(`Acme Reports listening on port ${port}`);
  });
});
