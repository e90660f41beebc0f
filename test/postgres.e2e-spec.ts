/**
 * The server with DATABASE_URL: accounts, authenticators, recovery codes and trusted browsers in
 * PostgreSQL (a fresh database for the run), sessions and codes still in Redis. The same flows as the Redis-backed
 * suites, and a look at the tables to prove where the data went.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TotpService } from '../src/totp/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { openTestDatabase, testDatabaseUrl } from './support/postgres.js';
import { redisExists, cookieValue } from './support/session.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PASSWORD = 'correct horse battery';

/** The device store's key of a cookie token (DevicesService.hash). */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('accounts in PostgreSQL (DATABASE_URL)', () => {
  let t: TestApp;
  const db = openTestDatabase();
  beforeAll(async () => {
    t = await createTestApp({
      AUTH_FIRST_FACTOR: 'password',
      DATABASE_URL: testDatabaseUrl(),
      OTP_RESEND_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await t?.close();
    await db.destroy();
  });

  it('registers and signs in, with the account row in PostgreSQL and none in Redis', async () => {
    const email = uniqueEmail('pg');
    const agent = t.agent();
    expect((await agent.post('/register').send({ email, password: PASSWORD })).status).toBe(200);
    expect((await agent.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
    const row = await db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    expect(await redisExists(`user:${email}`)).toBe(0);
    await sleep(1100); // the identifier's resend cooldown

    const again = t.agent();
    expect((await again.post('/auth').send({ email, password: PASSWORD })).body.status).toBe('code_sent');
    expect((await again.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
    expect((await again.get('/me').set('Accept', 'application/json')).body).toMatchObject({ email, aal: 2 });
  });

  /** Signs up `email` (password, then the mailed code) and turns an authenticator on: its setup and recovery codes. */
  async function signedUpWithTotp(email: string) {
    const agent = t.agent();
    await agent.post('/register').send({ email, password: PASSWORD }).expect(200);
    await agent
      .post('/verify')
      .send({ code: await t.codeFor(email) })
      .expect(200);
    const setup = await agent.post('/account/totp/setup').send({}).expect(200);
    const confirm = await agent
      .post('/account/totp/confirm')
      .send({ code: t.app.get(TotpService).generate(setup.body.secret, Date.now()) })
      .expect(200);
    return { agent, setup, codes: confirm.body.recoveryCodes as string[] };
  }

  it('keeps the authenticator (sealed) and recovery codes (hashed) in PostgreSQL, and signs in with them', async () => {
    const email = uniqueEmail('pg-totp');
    const { setup, codes } = await signedUpWithTotp(email);

    const cred = await db
      .selectFrom('totp_credentials')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(cred.sealed_secret).not.toContain(setup.body.secret);
    const hashes = await db.selectFrom('recovery_codes').select('hash').where('email', '=', email).execute();
    expect(hashes).toHaveLength(10);
    for (const code of codes) expect(hashes.map((h) => h.hash).join()).not.toContain(code.replace('-', ''));

    // The confirming code's step is spent: sign in with a recovery code.
    const other = t.agent();
    const first = await other.post('/auth').send({ email, password: PASSWORD });
    expect(first.body).toMatchObject({ status: 'second_factor_required', factors: ['totp', 'recovery_code'] });
    expect((await other.post('/verify').send({ recoveryCode: codes[0] })).body.status).toBe('authenticated');
    const left = await sql<{ n: string }>`select count(*) as n from recovery_codes where email = ${email}`.execute(db);
    expect(Number(left.rows[0].n)).toBe(9);
  });

  it('keeps trusted browsers in PostgreSQL (token hashes only), and a remembered one skips the second factor', async () => {
    const email = uniqueEmail('pg-devices');
    const { codes } = await signedUpWithTotp(email);

    const browser = t.agent();
    expect((await browser.post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
    const verified = await browser.post('/verify').send({ recoveryCode: codes[0], remember: true });
    expect(verified.body.status).toBe('authenticated');
    const rd = cookieValue(verified, 'rd')!;
    const kd = cookieValue(verified, 'kd')!;
    expect(rd).toMatch(/^[\w-]{43}$/);
    expect(kd).toMatch(/^[\w-]{43}$/);

    const rows = await db.selectFrom('devices').selectAll().where('email', '=', email).execute();
    expect(rows.find((r) => r.hash === tokenHash(rd))?.kind).toBe('remembered');
    expect(rows.find((r) => r.hash === tokenHash(kd))?.kind).toBe('known');
    expect(JSON.stringify(rows)).not.toContain(rd);
    expect(JSON.stringify(rows)).not.toContain(kd);
    expect(await redisExists(`dva:${email}`)).toBe(0);
    expect(await redisExists(`dv:${tokenHash(rd)}`)).toBe(0);

    // Signed out, the browser still needs the password but not the second factor; its token rotates.
    await browser.post('/logout').send({}).expect(204);
    const again = await browser.post('/auth').send({ email, password: PASSWORD });
    expect(again.body).toEqual({ status: 'authenticated', next: '/home' });
    const rotated = cookieValue(again, 'rd')!;
    expect(rotated).toMatch(/^[\w-]{43}$/);
    expect(rotated).not.toBe(rd);
    const remembered = await db
      .selectFrom('devices')
      .select('hash')
      .where('email', '=', email)
      .where('kind', '=', 'remembered')
      .execute();
    expect(remembered).toEqual([{ hash: tokenHash(rotated) }]);
  });

  it('reports the database in readiness', async () => {
    const ready = await t.agent().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });
});
