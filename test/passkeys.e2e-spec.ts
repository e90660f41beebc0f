import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FactorRegistry, PasswordHold } from '../src/auth/index.js';
import { PasskeyStore } from '../src/passkeys/index.js';
import { RecoveryCodeStore } from '../src/recovery-codes/index.js';
import { SettableClock } from '../src/testing/index.js';
import { type BrowserServer, launchBrowser, startServer } from './browser/harness.js';
import { uniqueEmail, type TestApp } from './support/app.js';
import {
  type Agent,
  mailMatching,
  me,
  PASSWORD,
  seedAccount,
  sessionIdOf,
  signInWithPasswordAndEmail,
} from './support/mfa.js';
import { testDatabaseUrl } from './support/postgres.js';
import { connectTestRedis } from './support/redis.js';
import { sessionCookie } from './support/session.js';
import { startOtherOrigin, VirtualAuthenticator } from './support/webauthn.js';

// Passkeys over the JSON routes, with responses made by Chromium's virtual authenticator in a page
// of the app's origin (`http://localhost:<port>`: WebAuthn needs a domain, not an IP address).

const INVALID = { error: 'invalid_passkey', message: 'The passkey could not be verified' };
const SIX_MINUTES = 6 * 60_000;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** One app and one clock per describe; a fresh authenticator per test. */
function useServer(env: Record<string, string | undefined> = {}) {
  const ctx = {} as { server: BrowserServer; t: TestApp; clock: SettableClock; auth: VirtualAuthenticator };
  beforeAll(async () => {
    ctx.clock = new SettableClock();
    ctx.server = await startServer(env, { hostname: 'localhost', clock: ctx.clock });
    ctx.t = ctx.server.t;
  });
  afterAll(async () => {
    await ctx.server?.close();
  });
  beforeEach(async () => {
    ctx.clock.set(Date.now());
    ctx.auth = await VirtualAuthenticator.open(browser, ctx.server.url);
  });
  afterEach(async () => {
    await ctx.auth?.close();
  });
  return ctx;
}

/** A password-mode account, signed in with its password and an emailed code. */
async function signedIn(t: TestApp): Promise<{ email: string; agent: Agent }> {
  const email = uniqueEmail('pk');
  await seedAccount(t, email);
  const agent = t.agent();
  await signInWithPasswordAndEmail(t, agent, email);
  return { email, agent };
}

async function addPasskey(agent: Agent, auth: VirtualAuthenticator, name?: string) {
  const options = await agent.post('/account/passkeys/options').send({});
  expect(options.status, JSON.stringify(options.body)).toBe(200);
  const response = await auth.create(options.body);
  const added = await agent.post('/account/passkeys').send(name ? { response, name } : { response });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return { options: options.body, response, id: added.body.id as string, body: added.body };
}

/** A passkey sign-in answered 401 `invalid_passkey`, with a warning in the log that matches `logged`. */
async function refusedAndLogged(agent: Agent, auth: VirtualAuthenticator, logged: RegExp): Promise<void> {
  const warn = vi.spyOn(Logger.prototype, 'warn');
  try {
    const { res } = await passkeyVerify(agent, auth);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
    expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(logged));
  } finally {
    warn.mockRestore();
  }
}

/** Options, the authenticator's assertion, and (unless `tamper` changes it first) its verification. */
async function passkeyVerify(
  agent: Agent,
  auth: VirtualAuthenticator,
  tamper: (r: AuthenticationResponseJSON) => AuthenticationResponseJSON = (r) => r,
) {
  const options = await agent.post('/passkey/options').send({});
  expect(options.status, JSON.stringify(options.body)).toBe(200);
  const response = tamper(await auth.get(options.body));
  const res = await agent.post('/passkey/verify').send({ response });
  return { options: options.body, response, res };
}

/** The challenge is stored (Redis, `pk:ch:`) with a TTL of 5 minutes. */
async function expectStoredFiveMinutes(challenge: string) {
  const redis = await connectTestRedis();
  try {
    const ttl = await redis.ttl(`pk:ch:${challenge}`);
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
  } finally {
    redis.destroy();
  }
}

/** Flips one byte of the signature: the same credential, a wrong signature. */
function wrongSignature(r: AuthenticationResponseJSON): AuthenticationResponseJSON {
  const sig = Buffer.from(r.response.signature, 'base64url');
  sig[sig.length - 5] ^= 0x01;
  return { ...r, response: { ...r.response, signature: sig.toString('base64url') } };
}

describe.each([
  ['Redis', {}],
  ['the in-process stores (no REDIS_URL)', { REDIS_URL: undefined }],
  ['PostgreSQL', { DATABASE_URL: testDatabaseUrl() }],
] as [string, Record<string, string | undefined>][])('passkeys on %s', (_name, env) => {
  const ctx = useServer(env);

  it('adds a passkey (resident key, no attestation, user handle not the email), then signs in with it alone at AAL2', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    const { options, id, body } = await addPasskey(agent, auth, 'Work laptop');

    expect(options.rp).toEqual({ id: 'localhost', name: 'Sign-in' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'preferred' });
    expect(options.attestation).toBe('none');
    expect(options.user.name).toBe(email);
    expect(Buffer.from(options.user.id, 'base64url').toString('latin1')).not.toContain(email);
    expect(options.excludeCredentials).toEqual([]);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'id', 'name']);
    expect(body).toEqual({ id, name: 'Work laptop', createdAt: expect.any(String) });
    expect(Math.abs(Date.parse(body.createdAt) - Date.now())).toBeLessThan(10_000);

    const list = await agent.get('/account/passkeys');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      passkeys: [
        { id, name: 'Work laptop', createdAt: body.createdAt, lastUsedAt: null, synced: false, backedUp: false },
      ],
    });
    // A second passkey's options leave out the first (the authenticator will not make another).
    const again = await agent.post('/account/passkeys/options').send({});
    expect(again.body.excludeCredentials).toEqual([{ id, type: 'public-key', transports: expect.any(Array) }]);

    const browser2 = t.agent();
    const { options: request, res } = await passkeyVerify(browser2, auth);
    expect(request.userVerification).toBe('required');
    expect(request.rpId).toBe('localhost');
    expect(request.allowCredentials ?? []).toEqual([]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(sessionIdOf(res)).toBeTruthy();
    const who = await me(browser2);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ email, factors: ['passkey'], aal: 2 });
    expect([...who.body.amr].sort()).toEqual(['hwk', 'mfa', 'user']);

    const used = await browser2.get('/account/passkeys');
    expect(used.body.passkeys[0].lastUsedAt).toEqual(expect.any(String));
  });

  it('answers a replayed assertion like any wrong one, and changes nothing', async () => {
    const { t, auth } = ctx;
    const { agent } = await signedIn(t);
    await addPasskey(agent, auth);
    const first = t.agent();
    const { response, res } = await passkeyVerify(first, auth);
    expect(res.status).toBe(200);

    const attacker = t.agent();
    await attacker.post('/passkey/options').send({});
    const replay = await attacker.post('/passkey/verify').send({ response });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(INVALID);
    expect((await me(attacker)).status).toBe(401);
    // Nor in the browser that made it (its challenge is spent).
    const again = await first.post('/passkey/verify').send({ response });
    expect(again.status).toBe(401);
    expect(again.body).toEqual(INVALID);
  });

  it('refuses an assertion whose signature counter went backwards (a cloned authenticator)', async () => {
    const { t, auth } = ctx;
    const { agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth);
    expect((await passkeyVerify(t.agent(), auth)).res.status).toBe(200);
    expect((await passkeyVerify(t.agent(), auth)).res.status).toBe(200);
    const stored = await t.app.get(PasskeyStore).get(id);
    expect(stored!.counter).toBeGreaterThanOrEqual(2);

    await auth.setSignCount(Buffer.from(id, 'base64url').toString('base64'), 0);
    const clone = t.agent();
    await refusedAndLogged(clone, auth, /signature counter did not move forward/);
    expect((await me(clone)).status).toBe(401);
    expect((await t.app.get(PasskeyStore).get(id))!.counter).toBe(stored!.counter);
  });

  it('refuses an assertion whose backup eligibility differs from the registered one, and logs it', async () => {
    const { t, auth } = ctx;
    const { agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth);
    expect((await t.app.get(PasskeyStore).get(id))!.deviceType).toBe('singleDevice');
    await auth.setBackupEligibility(Buffer.from(id, 'base64url').toString('base64'), true);
    const tampered = t.agent();
    await refusedAndLogged(tampered, auth, /backup eligibility changed/);
    expect((await me(tampered)).status).toBe(401);
    // Back as registered, it signs in again.
    await auth.setBackupEligibility(Buffer.from(id, 'base64url').toString('base64'), false);
    expect((await passkeyVerify(t.agent(), auth)).res.status).toBe(200);
  });

  it('rotates the session id: a browser signed in as someone else before is signed in anew, its old id void', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    await addPasskey(agent, auth);
    const otherEmail = uniqueEmail('pk-other');
    await seedAccount(t, otherEmail);
    const browser = t.agent();
    const first = await signInWithPasswordAndEmail(t, browser, otherEmail);
    const oldSid = sessionCookie(first);
    const { res } = await passkeyVerify(browser, auth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sessionIdOf(res)).not.toBe(sessionIdOf(first));
    expect((await me(browser)).body.email).toBe(email);
    const stale = await t.agent().get('/me').set('Cookie', oldSid).set('Accept', 'application/json');
    expect(stale.status).toBe(401);
  });

  it('after "this wasn’t me" (a password-reset hold), a passkey signs in no more than the password does', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    await addPasskey(agent, auth);
    await t.app.get(PasswordHold).hold(email);
    const held = t.agent();
    const { res } = await passkeyVerify(held, auth);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'password_reset_required',
      message: expect.any(String),
      next: '/password/forgot',
    });
    expect((await me(held)).status).toBe(401);
    await t.app.get(PasswordHold).release(email);
    expect((await passkeyVerify(t.agent(), auth)).res.status).toBe(200);
  });

  it('is the second factor after a password: listed in factors, with the account’s passkeys allowed', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth);

    const browser2 = t.agent();
    const start = await browser2.post('/auth').send({ email, password: PASSWORD });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: ['passkey'] });
    const pendingId = sessionIdOf(start);
    // Without JavaScript the page says the passkey, its only way, needs it.
    const page = await browser2.get('/verify').set('Accept', 'text/html');
    expect(page.text).toMatch(/<noscript><p class="hint">This step needs your passkey, and passkeys need JavaScript/);
    const { options, res } = await passkeyVerify(browser2, auth);
    expect(options.allowCredentials).toEqual([{ id, type: 'public-key', transports: expect.any(Array) }]);
    expect(options.userVerification).toBe('preferred');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(sessionIdOf(res)).not.toBe(pendingId);
    const who = await me(browser2);
    expect(who.body).toMatchObject({ email, factors: ['pwd', 'passkey'], aal: 2 });
    expect([...who.body.amr].sort()).toEqual(['hwk', 'mfa', 'pwd', 'user']);
  });
});

describe('passkeys (Redis)', () => {
  const ctx = useServer();

  it('refuses responses made on another origin, when adding and when signing in', async () => {
    const { t, auth } = ctx;
    const other = await startOtherOrigin();
    try {
      const { agent } = await signedIn(t);
      const options = await agent.post('/account/passkeys/options').send({});
      await auth.goTo(other.origin);
      const foreign = await auth.create(options.body);
      const added = await agent.post('/account/passkeys').send({ response: foreign });
      expect(added.status).toBe(400);
      expect(added.body.error).toBe('invalid_passkey');
      expect((await agent.get('/account/passkeys')).body.passkeys).toEqual([]);

      // A passkey added on the right origin, then used on the other one (a phishing page would).
      await auth.goTo(ctx.server.url);
      await addPasskey(agent, auth);
      await auth.goTo(other.origin);
      const victim = t.agent();
      const request = await victim.post('/passkey/options').send({});
      const phished = await auth.get(request.body);
      expect(JSON.parse(Buffer.from(phished.response.clientDataJSON, 'base64url').toString()).origin).toBe(
        other.origin,
      );
      const res = await victim.post('/passkey/verify').send({ response: phished });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(INVALID);
      expect((await me(victim)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('answers an unknown passkey exactly as a wrong signature; wrong ones count toward the account’s lock', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth);

    // An unknown credential id: the same body as a wrong signature, and it locks nothing.
    const unknownId = randomBytes(16).toString('base64url');
    for (let i = 0; i < 12; i++) {
      const { res } = await passkeyVerify(t.agent(), auth, (r) => ({ ...r, id: unknownId, rawId: unknownId }));
      expect(res.status).toBe(401);
      expect(res.body).toEqual(INVALID);
    }

    const failures: unknown[] = [];
    for (let i = 0; i < 10; i++) failures.push((await passkeyVerify(t.agent(), auth, wrongSignature)).res.body);
    expect(failures.slice(0, 9)).toEqual(Array(9).fill(INVALID));
    // The 10th failure locked the account: even its right passkey now waits, as its password does.
    const locked = await passkeyVerify(t.agent(), auth);
    expect(locked.res.status).toBe(429);
    expect(locked.res.body.error).toBe('locked');
    const password = await t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(password.status).toBe(429);
    expect(await mailMatching(t, email, /paused/)).toBeTruthy();
    expect((await t.app.get(PasskeyStore).get(id))!.lastUsedAt).toBeUndefined();
  });

  it('binds each challenge to the session that asked for it, for 5 minutes, once', async () => {
    const { t, auth } = ctx;
    const { agent } = await signedIn(t);
    await addPasskey(agent, auth);
    const asker = t.agent();
    const options = await asker.post('/passkey/options').send({});
    await expectStoredFiveMinutes(options.body.challenge);
    const response = await auth.get(options.body);
    const thief = t.agent();
    const stolen = await thief.post('/passkey/verify').send({ response });
    expect(stolen.status).toBe(401);
    expect(stolen.body).toEqual(INVALID);
    // Taken by the wrong session, the challenge is spent for the right one too.
    const late = await asker.post('/passkey/verify').send({ response });
    expect(late.status).toBe(401);
  });

  it('starts no session for a visitor asking for sign-in options: the challenge is bound to a cookie of the same 5 minutes, shared by its tabs', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    await addPasskey(agent, auth);
    const visitor = t.agent();
    const options = await visitor.post('/passkey/options').send({});
    expect(options.status).toBe(200);
    const set = ([] as string[]).concat(options.headers['set-cookie'] ?? []);
    // The sign-in page asks for these on every view: no session record, no session cookie.
    expect(set.filter((c) => c.startsWith('sid='))).toEqual([]);
    const binding = set.find((c) => c.startsWith('passkey='));
    expect(binding).toMatch(/^passkey=[\w-]{24}; Max-Age=300; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    await expectStoredFiveMinutes(options.body.challenge);

    // A second sign-in page of the same browser (another tab) keeps the same binding: the first
    // page's challenge still signs in, and a session starts then.
    const second = await visitor.post('/passkey/options').send({});
    const again = ([] as string[]).concat(second.headers['set-cookie'] ?? []).find((c) => c.startsWith('passkey='));
    expect(again?.split(';')[0]).toBe(binding?.split(';')[0]);
    const response = await auth.get(options.body);
    const res = await visitor.post('/passkey/verify').send({ response });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sessionIdOf(res)).toBeTruthy();
    expect((await me(visitor)).body).toMatchObject({ email, factors: ['passkey'], aal: 2 });
  });

  it('steps up with a passkey, and needs a fresh factor to add, rename or remove one', async () => {
    const { t, auth, clock } = ctx;
    const { agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth);
    clock.advance(SIX_MINUTES);

    for (const res of [
      await agent.post('/account/passkeys/options').send({}),
      await agent.patch(`/account/passkeys/${id}`).send({ name: 'x' }),
      await agent.delete(`/account/passkeys/${id}`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'step_up_required', factors: ['passkey'] });
    }
    const step = await agent.post('/step-up').send({});
    expect(step.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: ['passkey'] });
    const { options, res } = await passkeyVerify(agent, auth);
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    const renamed = await agent.patch(`/account/passkeys/${id}`).send({ name: '  Phone  ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'Phone' });
  });

  it('at a second-factor step, another account’s passkey is a wrong answer that spends an attempt', async () => {
    const { t, auth } = ctx;
    const a = await signedIn(t);
    await addPasskey(a.agent, auth);
    const other = await VirtualAuthenticator.open(browser, ctx.server.url);
    try {
      const b = await signedIn(t);
      await addPasskey(b.agent, other);
      const browser2 = t.agent();
      await browser2.post('/auth').send({ email: a.email, password: PASSWORD });
      // The options allow only A's passkeys: B's authenticator answers them as if they allowed any.
      const options = await browser2.post('/passkey/options').send({});
      const response = await other.get({ ...options.body, allowCredentials: [] });
      const res = await browser2.post('/passkey/verify').send({ response });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ ...INVALID, attemptsRemaining: 4 });
      const status = await browser2.get('/verify/status').set('Accept', 'application/json');
      expect(status.body).toMatchObject({ step: 'second_factor', factors: ['passkey'], attemptsRemaining: 4 });
      // The right one still works.
      const right = await passkeyVerify(browser2, auth);
      expect(right.res.body).toEqual({ status: 'authenticated', next: '/home' });
    } finally {
      await other.close();
    }
  });

  it('renames and removes passkeys (the owner’s only), mails a notice for each add and removal', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth, 'Laptop');
    const added = await mailMatching(t, email, /passkey was added/i);
    expect(added.text).toContain('/account/not-me?t=');

    const stranger = await signedIn(t);
    expect((await stranger.agent.patch(`/account/passkeys/${id}`).send({ name: 'mine' })).status).toBe(404);
    const foreign = await stranger.agent.delete(`/account/passkeys/${id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: 'not_found', message: 'There is no such passkey' });
    expect((await agent.get('/account/passkeys')).body.passkeys.map((p: { name: string }) => p.name)).toEqual([
      'Laptop',
    ]);

    const removed = await agent.delete(`/account/passkeys/${id}`);
    expect(removed.status).toBe(204);
    expect((await agent.get('/account/passkeys')).body).toEqual({ passkeys: [] });
    expect(await mailMatching(t, email, /passkey was removed/i)).toBeTruthy();
    expect((await agent.delete(`/account/passkeys/${id}`)).status).toBe(404);

    const { res } = await passkeyVerify(t.agent(), auth);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
    // Without a passkey the password is followed by an emailed code again.
    expect(await t.app.get(FactorRegistry).enrolled(email)).toEqual([]);
    const again = await t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(again.body.status).not.toBe('second_factor_required');
  });

  it('the "this wasn’t me" link of a new passkey’s notice removes that passkey, and only it', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    const { id: kept } = await addPasskey(agent, auth, 'Mine');
    await mailMatching(t, email, /passkey was added/i);
    const other = await VirtualAuthenticator.open(browser, ctx.server.url);
    try {
      const { id: planted } = await addPasskey(agent, other, 'Not mine');
      const notices = () => t.smtp.mailsTo(email).filter((m) => /passkey was added/i.test(m.subject));
      await expect.poll(() => notices().length, { timeout: 5000 }).toBe(2);
      const link = /\/account\/not-me\?t=([\w-]{43})/.exec(notices()[1].text)![1];
      const secured = await t.agent().post('/account/not-me').send({ token: link });
      expect(secured.status, JSON.stringify(secured.body)).toBe(200);
      const store = t.app.get(PasskeyStore);
      expect(await store.get(planted)).toBeNull();
      expect((await store.list(email)).map((p) => p.id)).toEqual([kept]);
      const { res } = await passkeyVerify(t.agent(), other);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(INVALID);
    } finally {
      await other.close();
    }
  });

  it('makes recovery codes for an account whose only second factor is a passkey, and drops them with it', async () => {
    const { t, auth } = ctx;
    const { email, agent } = await signedIn(t);
    const { id } = await addPasskey(agent, auth);
    const codes = await agent.post('/account/recovery-codes').send({});
    expect(codes.status, JSON.stringify(codes.body)).toBe(200);
    expect(codes.body.recoveryCodes).toHaveLength(10);

    const lost = t.agent();
    const start = await lost.post('/auth').send({ email, password: PASSWORD });
    expect(start.body.factors).toEqual(['passkey', 'recovery_code']);
    const recovered = await lost.post('/verify').send({ recoveryCode: codes.body.recoveryCodes[0] });
    expect(recovered.body).toEqual({ status: 'authenticated', next: '/home' });

    expect((await lost.delete(`/account/passkeys/${id}`)).status).toBe(204);
    expect(await t.app.get(FactorRegistry).enrolled(email)).toEqual([]);
    expect(await t.app.get(RecoveryCodeStore).count(email)).toBe(0);
    const noCodes = await lost.post('/account/recovery-codes').send({});
    expect(noCodes.status).toBe(409);
    expect(noCodes.body.error).toBe('no_authenticator');
  });

  it('refuses malformed bodies with a 400 that names the field, and changes nothing', async () => {
    const { t, auth } = ctx;
    const { agent } = await signedIn(t);
    const { id, response } = await addPasskey(agent, auth, 'Laptop');
    const valid = { ...response };

    const verifyBodies: unknown[] = [
      {},
      { response: 'x' },
      { response: null },
      { response: [] },
      { response: { id: 'abc' } },
      { response: { id: 'abc', rawId: 'abd', type: 'public-key', response: {} } },
      { response: { id: 'a+b/', rawId: 'a+b/', type: 'public-key', response: {} } },
      { response: { id: 'abc', rawId: 'abc', type: 'password', response: {} } },
      { response: { id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: 'e30' } } },
      { response: valid, extra: 1 },
    ];
    for (const body of verifyBodies) {
      const res = await t
        .agent()
        .post('/passkey/verify')
        .send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toBe('validation_failed');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(
        Object.keys(body as object).includes('extra') ? ['extra'] : ['response'],
      );
    }

    const names = ['', ' ', 'x'.repeat(65), 'two\nlines', 'tab\there', 42, null];
    for (const name of names) {
      const res = await agent.patch(`/account/passkeys/${id}`).send({ name });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['name']);
    }
    const addBad = await agent.post('/account/passkeys').send({ response: valid, name: 'a\u0000b' });
    expect(addBad.status).toBe(400);
    expect((await agent.get('/account/passkeys')).body.passkeys.map((p: { name: string }) => p.name)).toEqual([
      'Laptop',
    ]);
  });

  it('is for signed-in sessions only, and JSON only', async () => {
    const { t } = ctx;
    const anon = t.agent();
    for (const res of [
      await anon.get('/account/passkeys'),
      await anon.post('/account/passkeys/options').send({}),
      await anon.post('/account/passkeys').send({ response: {} }),
      await anon.delete('/account/passkeys/abc'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
    const page = await anon.get('/account/passkeys').set('Accept', 'text/html');
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toMatch(/json/);
  });
});

describe('passkeys in email mode', () => {
  // A 1-second mail cooldown: the test signs the same address in three times.
  const ctx = useServer({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' });

  it('signs in with a passkey alone, and asks for it after an emailed code', async () => {
    const { t, auth } = ctx;
    const email = uniqueEmail('pk-email');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).body.status).toBe('code_sent');
    expect((await agent.post('/verify').send({ code: await t.codeFor(email) })).body.status).toBe('authenticated');
    await addPasskey(agent, auth);

    const coded = t.agent();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await coded.post('/auth').send({ email })).body.status).toBe('code_sent');
    const second = await coded.post('/verify').send({ code: await t.codeFor(email) });
    expect(second.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: ['passkey'] });
    const { res } = await passkeyVerify(coded, auth);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(coded)).body).toMatchObject({ factors: ['email_otp', 'passkey'], aal: 2 });

    const alone = t.agent();
    expect((await passkeyVerify(alone, auth)).res.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(alone)).body).toMatchObject({ email, factors: ['passkey'], aal: 2 });
  });
});
