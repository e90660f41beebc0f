/**
 * Bad input, fixed as kinds (not one example each): every route that reads a body, in both sign-in
 * modes, gets every wrong JSON type in each field of its DTO, fields it does not take (named like
 * `Object.prototype` members too) in JSON and in forms, and bodies that are not objects; then JSON in
 * other charsets, HEAD requests, `GET /`, and the page's sentence for an unknown form field. Each bad
 * request must answer 4xx and change nothing: the identifiers' failure counters, locks, send budgets
 * and mailboxes, every browser's pending step and sign-in, and the account's factors, passkeys,
 * recovery codes, password and sessions are compared before and after.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { Response, Test } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountSecurityService } from '../src/account/index.js';
import { UserStore } from '../src/auth/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { PasskeyStore } from '../src/passkeys/index.js';
import { TotpStore } from '../src/totp/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { signInLinkOf } from './support/mail-link.js';
import { enrolTotp, flushMfaKeys, seedAccount } from './support/mfa.js';
import { otpKey, testRedisUrl } from './support/redis.js';
import { registeredRoutes } from './support/routes.js';

type Agent = ReturnType<TestApp['agent']>;
type Mode = 'password' | 'email';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a different horse battery';
const JSON_TYPE = 'application/json';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** The `_csrf` value of the first form on a page. */
function csrfOf(res: Response): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
  if (!token) throw new Error(`no _csrf field in the page (${res.status})`);
  return token;
}

/** Sends `body` as it is (a string or bytes), with `type` as the Content-Type. */
function raw(test: Test, type: string, body: string | Buffer): Test {
  return test
    .set('Content-Type', type)
    .serialize((x: unknown) => x as string)
    .send(body as unknown as string);
}

/** `base` as JSON text with one more field. Built as text: an object literal's `__proto__` would set the prototype, not a key. */
function jsonWith(base: Record<string, unknown>, name: string, value: unknown): string {
  const text = JSON.stringify(base);
  return `${text.slice(0, -1)}${Object.keys(base).length ? ',' : ''}${JSON.stringify(name)}:${JSON.stringify(value)}}`;
}

/** The text fields of a body: what a form can carry. */
const textFields = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** Values of the wrong type or shape, for any field. */
const WRONG_VALUES = [
  ['null', null],
  ['a number', 123456],
  ['a boolean', true],
  ['an array', ['a@example.test', 'b@example.test']],
  ['an object', { value: 'x' }],
  ['an empty string', ''],
] as const satisfies readonly (readonly [string, unknown])[];
type Variant = (typeof WRONG_VALUES)[number][0];
/** Bigger than the 8 KiB body limit: refused before validation (413). */
const HUGE = 'x'.repeat(10 * 1024);

/** Every own and inherited property name of `Object.prototype` (`constructor`, `toString`, `__proto__`, ...). */
const PROTOTYPE_NAMES = [
  ...new Set(
    (function* chain(o: object | null): Generator<string> {
      for (; o; o = Object.getPrototypeOf(o) as object | null) yield* Object.getOwnPropertyNames(o);
    })(Object.prototype),
  ),
];
/** The names of fields no route takes: those of `Object.prototype`, and a plain one. */
const UNKNOWN_NAMES = [...PROTOTYPE_NAMES, 'zzz'];
/** JSON bodies that are not an object. */
const NOT_OBJECTS = ['[]', '[{"name":"x"}]', '"x"', '42', 'null', 'true'];

/** A well-formed WebAuthn credential (`PublicKeyCredential.toJSON()`) that answers no challenge. */
function credential(id: string, response: Record<string, string>) {
  return { id, rawId: id, type: 'public-key', response, clientExtensionResults: {} };
}

/**
 * The browsers of one app, each where a route expects it: `visitor` has no session; `owner` is
 * signed in (within the last 5 minutes) to an account with an authenticator app, recovery codes and
 * a passkey, which `other` is signed in to as well; `secondFactor` is at that account's second-factor
 * step; `codeStep` at another account's emailed-code step; `reset` (password mode) at a third
 * account's password-reset step.
 */
type Actor = 'visitor' | 'owner' | 'other' | 'secondFactor' | 'codeStep' | 'reset';

/** The page of each browser whose form gives the `_csrf` token its form posts carry. */
const PAGE_OF: Record<Actor, string> = {
  visitor: '/auth',
  owner: '/account/security',
  other: '/account/security',
  secondFactor: '/verify',
  codeStep: '/verify',
  reset: '/password/reset',
};

/** One app's browsers and accounts, and the secrets a well-formed body carries. */
interface World {
  t: TestApp;
  mode: Mode;
  agents: Partial<Record<Actor, Agent>>;
  csrf: Partial<Record<Actor, string>>;
  /** The accounts: `owner`, `plain` (at `codeStep`), `resetter` (at `reset`). */
  owner: string;
  plain: string;
  resetter?: string;
  /** One of the owner's recovery codes (unused), and its "this wasn't me" link token. */
  recoveryCode: string;
  notMeToken: string;
  /** The code and link token of `plain`'s pending sign-in, and `resetter`'s reset code. */
  code: string;
  linkToken: string;
  resetCode?: string;
  /** The owner's passkey, and the public id of `other`'s session. */
  passkeyId: string;
  otherSessionId: string;
}

/** What a field of a DTO takes, for the wrong-type table. */
interface FieldCase {
  /** Who sends it, when not the route's `by`. */
  by?: Actor;
  /** The body its wrong values go into, when not the route's. */
  body?: (w: World) => Record<string, unknown>;
  /** Types the field takes by design, and why: that variant is not sent. */
  accepts?: Partial<Record<Variant, string>>;
  /** Wrong values of this field besides {@link WRONG_VALUES}. */
  more?: (w: World) => [string, unknown][];
}

/** A route that reads a body (any method but GET, HEAD and OPTIONS), and the DTO it validates. */
interface BodyRoute {
  /** `METHOD /path` as the router holds it (`{id}` for the parameter). */
  route: string;
  /** Who sends it. */
  by: Actor;
  /** The route's `{id}`. */
  id?: (w: World) => string;
  /** Only in this mode: in the other one it answers 404 before reading the body. */
  mode?: Mode;
  /** A well-formed body, whose secrets would complete the step if the request got through. */
  body: (w: World) => Record<string, unknown>;
  /** The DTO's fields (none: the route takes `EmptyBody`). */
  fields?: Record<string, FieldCase>;
}

const REMEMBER_IS_BOOLEAN = 'remember is true or false';
const RESPONSE_IS_OBJECT =
  'response is the credential object: a wrong one is refused by WebAuthn verification (passkeys.e2e-spec.ts)';

/** Every route that reads a body (the first test checks the router holds exactly these). */
const ROUTES: BodyRoute[] = [
  {
    route: 'POST /auth',
    by: 'visitor',
    body: (w) => (w.mode === 'password' ? { email: w.owner, password: PASSWORD } : { email: w.owner }),
    // In email mode a password is refused whatever it is: every type is wrong there too.
    fields: { email: {}, password: {} },
  },
  {
    route: 'POST /register',
    by: 'visitor',
    mode: 'password',
    body: (w) => ({ email: w.owner, password: NEW_PASSWORD }),
    fields: { email: {}, password: {} },
  },
  {
    route: 'POST /verify',
    by: 'secondFactor',
    body: (w) => ({ recoveryCode: w.recoveryCode }),
    fields: {
      code: { by: 'codeStep', body: () => ({}), more: (w) => [['the code as a number', Number(w.code)]] },
      recoveryCode: {},
      factor: { body: () => ({ answer: '000000' }) },
      answer: { body: () => ({ factor: 'recovery_code' }) },
      remember: { accepts: { 'a boolean': REMEMBER_IS_BOOLEAN } },
    },
  },
  { route: 'POST /verify/resend', by: 'codeStep', body: () => ({}) },
  { route: 'POST /verify/restart', by: 'codeStep', body: () => ({}) },
  { route: 'POST /verify/link', by: 'codeStep', body: (w) => ({ token: w.linkToken }), fields: { token: {} } },
  { route: 'POST /logout', by: 'owner', body: () => ({}) },
  { route: 'POST /step-up', by: 'owner', body: () => ({}) },
  {
    route: 'POST /password/forgot',
    by: 'visitor',
    mode: 'password',
    body: (w) => ({ email: w.owner }),
    fields: { email: {} },
  },
  {
    route: 'POST /password/reset',
    by: 'reset',
    mode: 'password',
    body: (w) => ({ code: w.resetCode, password: NEW_PASSWORD }),
    fields: { code: { more: (w) => [['the code as a number', Number(w.resetCode)]] }, password: {} },
  },
  {
    route: 'POST /account/password',
    by: 'owner',
    mode: 'password',
    body: () => ({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    fields: { currentPassword: {}, newPassword: {} },
  },
  { route: 'POST /account/totp/setup', by: 'owner', body: () => ({}) },
  { route: 'POST /account/totp/confirm', by: 'owner', body: () => ({ code: '123456' }), fields: { code: {} } },
  { route: 'POST /account/totp/disable', by: 'owner', body: () => ({}) },
  { route: 'POST /account/recovery-codes', by: 'owner', body: () => ({}) },
  { route: 'POST /account/not-me', by: 'visitor', body: (w) => ({ token: w.notMeToken }), fields: { token: {} } },
  { route: 'POST /account/passkeys/options', by: 'owner', body: () => ({}) },
  {
    route: 'POST /account/passkeys',
    by: 'owner',
    body: () => ({
      response: credential('bmV3LXBhc3NrZXk', { clientDataJSON: 'e30', attestationObject: 'oA' }),
      name: 'Desk',
    }),
    fields: { response: { accepts: { 'an object': RESPONSE_IS_OBJECT } }, name: {} },
  },
  {
    route: 'PATCH /account/passkeys/{id}',
    by: 'owner',
    id: (w) => w.passkeyId,
    body: () => ({ name: 'Renamed' }),
    fields: { name: {} },
  },
  { route: 'DELETE /account/passkeys/{id}', by: 'owner', id: (w) => w.passkeyId, body: () => ({}) },
  {
    route: 'POST /account/passkeys/{id}/rename',
    by: 'owner',
    id: (w) => w.passkeyId,
    body: () => ({ name: 'Renamed' }),
    fields: { name: {} },
  },
  { route: 'POST /account/passkeys/{id}/remove', by: 'owner', id: (w) => w.passkeyId, body: () => ({}) },
  { route: 'POST /account/sessions/revoke-others', by: 'owner', body: () => ({}) },
  { route: 'DELETE /account/sessions/{id}', by: 'owner', id: (w) => w.otherSessionId, body: () => ({}) },
  { route: 'POST /account/sessions/{id}/end', by: 'owner', id: (w) => w.otherSessionId, body: () => ({}) },
  { route: 'POST /passkey/options', by: 'visitor', body: () => ({}) },
  {
    route: 'POST /passkey/verify',
    by: 'visitor',
    body: (w) => ({
      response: credential(w.passkeyId, {
        clientDataJSON: 'e30',
        authenticatorData: 'AA',
        signature: 'AA',
        userHandle: 'AA',
      }),
    }),
    fields: { response: { accepts: { 'an object': RESPONSE_IS_OBJECT } } },
  },
];

describe('bad input', () => {
  let redis: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = createClient({ url: testRedisUrl() });
    await redis.connect();
  });
  afterAll(() => redis.destroy());

  /** What a bad request must leave alone, for one identifier (and one browser's pending challenge). */
  async function state(t: TestApp, email: string, agent?: Agent) {
    await t.app.get(MailDispatcher).drain(2000);
    const pending = agent ? await agent.get('/verify/status').set('Accept', JSON_TYPE) : undefined;
    return {
      failures: await redis.get(otpKey('f', email)),
      locked: (await redis.pTTL(otpKey('l', email))) > 0,
      sends: await redis.zCard(otpKey('s', email)),
      mails: t.smtp.mailsTo(email).length,
      pending: pending ? { status: pending.status, attempts: pending.body.attemptsRemaining as unknown } : undefined,
    };
  }

  function expect400(res: Response, field: string, label: string) {
    expect(res.status, label).toBe(400);
    expect(res.body.error, label).toBe('validation_failed');
    expect(res.body.details, label).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  }

  /**
   * Signs `agent` in as far as the account goes without an authenticator code: the password (in
   * password mode), then the mailed code if one is sent. @returns the last answer.
   */
  async function signIn(t: TestApp, mode: Mode, agent: Agent, email: string): Promise<Response> {
    // Each sign-in's mail is its own: start from a clean send budget (the cooldown is 60 s).
    await redis.del(otpKey('s', email));
    const start = await agent.post('/auth').send(mode === 'password' ? { email, password: PASSWORD } : { email });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    if (start.body.status !== 'code_sent') return start;
    return agent.post('/verify').send({ code: await t.codeFor(email) });
  }

  /** The token of the newest "this wasn't me" link mailed to `email` (waits up to 5 s for one). */
  async function notMeTokenFor(t: TestApp, email: string): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const tokens = t.smtp.mailsTo(email).flatMap((m) => [...m.text.matchAll(/\/account\/not-me\?t=([\w-]+)/g)]);
      if (tokens.length) return tokens[tokens.length - 1][1];
      if (Date.now() > deadline) throw new Error(`no "this wasn't me" link mailed to ${email}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Builds {@link World} in a new app of `mode`. */
  async function buildWorld(mode: Mode): Promise<World> {
    const t = await createTestApp({ AUTH_FIRST_FACTOR: mode });
    const [owner, plain] = [uniqueEmail('bad-owner'), uniqueEmail('bad-plain')];
    const agents: World['agents'] = { visitor: t.agent() };
    if (mode === 'password') for (const email of [owner, plain]) await seedAccount(t, email, PASSWORD);

    for (const actor of ['owner', 'other'] as const) {
      const agent = (agents[actor] = t.agent());
      expect((await signIn(t, mode, agent, owner)).body.status).toBe('authenticated');
    }
    const { recoveryCodes } = await enrolTotp(agents.owner!, Date.now());
    const passkeyId = randomBytes(16).toString('base64url');
    await t.app.get(PasskeyStore).add({
      id: passkeyId,
      email: owner,
      publicKey: randomBytes(77).toString('base64url'),
      counter: 0,
      transports: ['internal'],
      deviceType: 'singleDevice',
      backedUp: false,
      name: 'Laptop',
      createdAt: Date.now(),
    });
    agents.secondFactor = t.agent();
    expect((await signIn(t, mode, agents.secondFactor, owner)).body.status).toBe('second_factor_required');

    agents.codeStep = t.agent();
    const start = await agents.codeStep
      .post('/auth')
      .send(mode === 'password' ? { email: plain, password: PASSWORD } : { email: plain });
    expect(start.body.status, JSON.stringify(start.body)).toBe('code_sent');
    const mail = await t.mailTo(plain);

    let resetter: string | undefined;
    let resetCode: string | undefined;
    if (mode === 'password') {
      resetter = uniqueEmail('bad-reset');
      await seedAccount(t, resetter, PASSWORD);
      agents.reset = t.agent();
      expect((await agents.reset.post('/password/forgot').send({ email: resetter })).status).toBe(200);
      resetCode = await t.codeFor(resetter);
    }

    const sessions = await agents.owner!.get('/account/sessions').set('Accept', JSON_TYPE);
    const others = (sessions.body.sessions as { id: string; current: boolean; kind: string }[]).filter(
      (s) => s.kind === 'session' && !s.current,
    );
    expect(others).toHaveLength(1);
    const csrf: World['csrf'] = {};
    for (const [actor, agent] of Object.entries(agents) as [Actor, Agent][]) {
      csrf[actor] = csrfOf(await agent.get(PAGE_OF[actor]));
    }
    return {
      t,
      mode,
      agents,
      csrf,
      owner,
      plain,
      resetter,
      recoveryCode: recoveryCodes[0],
      notMeToken: await notMeTokenFor(t, owner),
      code: mail.code!,
      linkToken: signInLinkOf(mail, t.config.appUrl).token,
      resetCode,
      passkeyId,
      otherSessionId: others[0].id,
    };
  }

  /**
   * Everything a refused request could have changed: each identifier's counters and mailbox, each
   * browser's sign-in and pending step, the owner's account (password, authenticator and its pending
   * replacement, recovery codes, passkeys, sessions) and the other accounts' passwords.
   */
  async function snapshot(w: World) {
    await w.t.app.get(MailDispatcher).drain(2000);
    const users = w.t.app.get(UserStore);
    const identifiers: Record<string, unknown> = {};
    for (const email of [w.owner, w.plain, ...(w.resetter ? [w.resetter] : [])]) {
      identifiers[email] = {
        failures: await redis.get(otpKey('f', email)),
        locked: (await redis.pTTL(otpKey('l', email))) > 0,
        sends: await redis.zCard(otpKey('s', email)),
        mails: w.t.smtp.mailsTo(email).length,
        user: await users.findByEmail(email),
      };
    }
    const browsers: Record<string, unknown> = {};
    for (const [actor, agent] of Object.entries(w.agents) as [Actor, Agent][]) {
      const me = await agent.get('/me').set('Accept', JSON_TYPE);
      const pending = await agent.get('/verify/status').set('Accept', JSON_TYPE);
      // `resendAfter` counts down by itself: the rest of the step is what a request could change.
      const { resendAfter: _, ...step } = pending.body as Record<string, unknown>;
      browsers[actor] = { me: me.status, user: me.body as unknown, pending: pending.status, step };
    }
    const listed = await w.agents.owner!.get('/account/sessions').set('Accept', JSON_TYPE);
    return {
      identifiers,
      browsers,
      account: {
        security: await w.t.app.get(AccountSecurityService).state(w.owner),
        totp: await w.t.app.get(TotpStore).get(w.owner),
        enrolment: await redis.exists(`totp:p:enrol:${w.owner}`),
        recoveryCodes: (await redis.sMembers(`rc:${w.owner}`)).sort(),
        sessions: ((listed.body.sessions ?? []) as { id: string; kind: string; current: boolean }[]).map(
          ({ id, kind, current }) => ({ id, kind, current }),
        ),
      },
    };
  }

  /** A request of `r` by `actor` (the route's own sender unless named). */
  function request(w: World, r: BodyRoute, actor: Actor = r.by): Test {
    const [method, path] = r.route.split(' ');
    const agent = w.agents[actor];
    if (!agent) throw new Error(`no ${actor} browser in ${w.mode} mode`);
    const url = r.id ? path.replace('{id}', r.id(w)) : path;
    return agent[method.toLowerCase() as 'post' | 'patch' | 'delete'](url).set('Accept', JSON_TYPE);
  }

  /**
   * The table's tests, on the {@link World} of `mode` that `world` gives once built: every wrong type
   * in each field, fields the route does not take, bodies that are not objects; then the steps the
   * refused requests carried secrets for are finished, to show they were left as they were.
   */
  function everyRouteThatReadsABody(mode: Mode, world: () => World) {
    describe('every route that reads a body', () => {
      let w: World;
      beforeAll(() => {
        w = world();
      });

      it('the table names each of them, and the names of Object.prototype are all there', () => {
        const reading = registeredRoutes(w.t.app).filter((r) => !/^(GET|HEAD|OPTIONS) /.test(r));
        expect([...new Set(reading)].sort()).toEqual(ROUTES.map((r) => r.route).sort());
        for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
          expect(PROTOTYPE_NAMES).toContain(name);
        }
      });

      for (const r of ROUTES.filter((r) => (r.mode ?? mode) === mode)) {
        for (const [field, c] of Object.entries(r.fields ?? {})) {
          it(`${r.route}: every wrong type of ${field} is 400 with details (413 past the body limit) and changes nothing`, async () => {
            const base = (c.body ?? r.body)(w);
            const before = await snapshot(w);
            const wrong = [...WRONG_VALUES, ...(c.more?.(w) ?? [])] as [string, unknown][];
            for (const [label, value] of wrong) {
              if (c.accepts?.[label as Variant]) continue;
              expect400(await request(w, r, c.by).send({ ...base, [field]: value }), field, `${field} = ${label}`);
            }
            const huge = await request(w, r, c.by).send({ ...base, [field]: HUGE });
            expect(huge.status, `${field} = 10 KB`).toBe(413);
            expect(huge.body.error).toBe('payload_too_large');
            expect(await snapshot(w)).toEqual(before);
          });
        }

        it(`${r.route}: a field it does not take, whatever its name, is 400 in JSON and in forms, and so is a body that is not an object; nothing changes`, async () => {
          const base = r.body(w);
          const before = await snapshot(w);
          for (const name of UNKNOWN_NAMES) {
            expect400(await raw(request(w, r), JSON_TYPE, jsonWith(base, name, 1)), name, `JSON ${name}`);
          }
          // A form carries text only: a JSON route's object field is left out of it.
          const fields = form({ ...textFields(base), _csrf: w.csrf[r.by]! });
          for (const name of UNKNOWN_NAMES) {
            const res = await request(w, r)
              .type('form')
              .send(`${fields}&${encodeURIComponent(name)}=1`);
            expect400(res, name, `form ${name}`);
          }
          for (const body of NOT_OBJECTS) {
            const res = await raw(request(w, r), JSON_TYPE, body);
            expect(res.status, body).toBe(400);
            expect(res.body.error, body).toBe('validation_failed');
          }
          expect(await snapshot(w)).toEqual(before);
        });
      }

      if (mode === 'email') {
        it('the password-mode routes answer 404 before reading the body, and change nothing', async () => {
          const before = await snapshot(w);
          for (const r of ROUTES.filter((r) => r.mode === 'password')) {
            const res = await raw(request(w, r, 'visitor'), JSON_TYPE, jsonWith(r.body(w), 'toString', 1));
            expect(res.status, r.route).toBe(404);
          }
          expect(await snapshot(w)).toEqual(before);
        });
      }

      it('afterwards every step is still there to finish, with the secrets it was given', async () => {
        const { agents } = w;
        expect((await agents.secondFactor!.post('/verify').send({ recoveryCode: w.recoveryCode })).body.status).toBe(
          'authenticated',
        );
        expect((await agents.codeStep!.post('/verify/link').send({ token: w.linkToken })).body.status).toBe(
          'authenticated',
        );
        if (agents.reset) {
          const reset = await agents.reset.post('/password/reset').send({ code: w.resetCode, password: NEW_PASSWORD });
          expect(reset.body.status, JSON.stringify(reset.body)).toBe('password_changed');
        }
        // Last: it ends every session of the owner.
        const secured = await agents.visitor!.post('/account/not-me').send({ token: w.notMeToken });
        expect(secured.body.status, JSON.stringify(secured.body)).toBe('secured');
        expect((await agents.owner!.get('/me').set('Accept', JSON_TYPE)).status).toBe(401);
      });
    });
  }

  describe('password mode', () => {
    let w: World;
    let t: TestApp;
    beforeAll(async () => {
      w = await buildWorld('password');
      t = w.t;
    });
    afterAll(async () => {
      await t?.close();
      await flushMfaKeys();
    });

    everyRouteThatReadsABody('password', () => w);

    it('POST /auth: a password sent as null is a 400, never a wrong password that counts toward the lock', async () => {
      const known = uniqueEmail('known');
      await seedAccount(t, known, PASSWORD);
      const before = await state(t, known);
      for (let i = 0; i < 12; i++) {
        expect400(await t.agent().post('/auth').send({ email: known, password: null }), 'password', `try ${i}`);
      }
      expect(await state(t, known)).toEqual(before);
      // Left out entirely, it is required in password mode: 400 too.
      expect400(await t.agent().post('/auth').send({ email: known }), 'password', 'absent');
      expect((await t.agent().post('/auth').send({ email: known, password: PASSWORD })).status).toBe(200);
    });
  });

  describe('email mode', () => {
    let w: World;
    let t: TestApp;
    beforeAll(async () => {
      w = await buildWorld('email');
      t = w.t;
    });
    afterAll(async () => {
      await t?.close();
      await flushMfaKeys();
    });

    everyRouteThatReadsABody('email', () => w);

    describe('JSON is UTF-8 only', () => {
      const encodings: [string, (s: string) => Buffer][] = [
        ['utf-16le', (s) => Buffer.from(s, 'utf16le')],
        ['utf-16be', (s) => Buffer.from(s, 'utf16le').swap16()],
        ['utf-16', (s) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])],
        ['utf-7', (s) => Buffer.from(s, 'ascii')],
        ['latin1', (s) => Buffer.from(s, 'latin1')],
        ['iso-8859-1', (s) => Buffer.from(s, 'latin1')],
      ];

      it('answers a JSON body in any other charset 415, with a repeated field or a single one, and mails nothing', async () => {
        const [a, b] = [uniqueEmail('charset-a'), uniqueEmail('charset-b')];
        const before = [await state(t, a), await state(t, b)];
        for (const [charset, encode] of encodings) {
          for (const text of [`{"email":"${a}","email":"${b}"}`, `{"email":"${a}"}`]) {
            const res = await raw(t.agent().post('/auth'), `application/json; charset=${charset}`, encode(text));
            expect(res.status, `${charset}: ${text}`).toBe(415);
            expect(res.body.error).toBe('unsupported_media_type');
          }
        }
        expect([await state(t, a), await state(t, b)]).toEqual(before);
      });

      it('a repeated code in another charset cannot sign in, and leaves the challenge as it was', async () => {
        const email = uniqueEmail('charset-code');
        const agent = t.agent();
        expect((await agent.post('/auth').send({ email })).status).toBe(200);
        const code = await t.codeFor(email);
        const wrong = code === '000000' ? '111111' : '000000';
        const before = await state(t, email, agent);
        for (const [charset, encode] of encodings) {
          const res = await raw(
            agent.post('/verify'),
            `application/json; charset=${charset}`,
            encode(`{"code":"${wrong}","code":"${code}"}`),
          );
          expect(res.status, charset).toBe(415);
        }
        expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
        expect(await state(t, email, agent)).toEqual(before);
        // In UTF-8 the repeated field is refused too; alone, the code works.
        expect(
          (await raw(agent.post('/verify'), 'application/json', `{"code":"${wrong}","code":"${code}"}`)).status,
        ).toBe(400);
        expect((await agent.post('/verify').send({ code })).status).toBe(200);
      });

      it('answers a form in another charset 415', async () => {
        const agent = t.agent();
        const token = csrfOf(await agent.get('/auth'));
        const email = uniqueEmail('charset-form');
        const res = await raw(
          agent.post('/auth').set('Accept', 'application/json'),
          'application/x-www-form-urlencoded; charset=utf-16le',
          Buffer.from(form({ email, _csrf: token }), 'utf16le'),
        );
        expect(res.status).toBe(415);
        expect(await state(t, email)).toEqual({
          failures: null,
          locked: false,
          sends: 0,
          mails: 0,
          pending: undefined,
        });
      });

      it('accepts UTF-8 however it is spelled, and a byte-order mark with the repeated-field rule intact', async () => {
        for (const type of [
          'application/json; charset=utf-8',
          'application/json; charset=UTF-8',
          'application/json;charset="utf-8"',
          'application/json',
        ]) {
          const email = uniqueEmail('utf8');
          const res = await raw(t.agent().post('/auth'), type, Buffer.from(`{"email":"${email}"}`));
          expect(res.status, type).toBe(200);
        }
        const bom = Buffer.from([0xef, 0xbb, 0xbf]);
        const single = uniqueEmail('bom');
        expect(
          (
            await raw(
              t.agent().post('/auth'),
              'application/json',
              Buffer.concat([bom, Buffer.from(`{"email":"${single}"}`)]),
            )
          ).status,
        ).toBe(200);
        const [a, b] = [uniqueEmail('bom-a'), uniqueEmail('bom-b')];
        const repeated = await raw(
          t.agent().post('/auth'),
          'application/json',
          Buffer.concat([bom, Buffer.from(`{"email":"${a}","email":"${b}"}`)]),
        );
        expect400(repeated, 'email', 'BOM + repeated');
        expect(await state(t, b)).toEqual({ failures: null, locked: false, sends: 0, mails: 0, pending: undefined });
      });

      it('answers a form with more than 20 fields 413, before any check', async () => {
        const agent = t.agent();
        const token = csrfOf(await agent.get('/auth'));
        const email = uniqueEmail('many-fields');
        const extra = Array.from({ length: 20 }, (_, i) => `f${i}=1`).join('&');
        const res = await agent
          .post('/auth')
          .type('form')
          .set('Accept', 'application/json')
          .send(`${form({ email, _csrf: token })}&${extra}`);
        expect(res.status).toBe(413);
        expect(res.body.error).toBe('payload_too_large');
        expect(await state(t, email)).toEqual({
          failures: null,
          locked: false,
          sends: 0,
          mails: 0,
          pending: undefined,
        });
      });

      it('answers bytes that are not UTF-8 400, not a mangled text', async () => {
        const res = await raw(
          t.agent().post('/auth'),
          'application/json',
          Buffer.from([0x7b, 0x22, 0x65, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
        );
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('bad_request');
        expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js/);
      });
    });

    describe('pages', () => {
      it('a form post with an unknown field shows a sentence in the page language, never a message key', async () => {
        for (const [lang, sentence] of [
          ['en', 'The form sent a field this page does not use'],
          ['fr', 'Le formulaire a envoyé un champ que cette page n’utilise pas'],
        ]) {
          // Also names the catalog knows for other routes' fields (`name`, `newPassword`), and `other`.
          for (const name of [
            'zzz',
            'constructor',
            'toString',
            '__proto__',
            'a"b<c>',
            'other',
            'name',
            'newPassword',
          ]) {
            const agent = t.agent();
            const token = csrfOf(await agent.get('/auth').set('Accept-Language', lang));
            const res = await agent
              .post('/auth')
              .set('Accept-Language', lang)
              .type('form')
              .send(`${form({ email: uniqueEmail('page'), _csrf: token })}&${encodeURIComponent(name)}=1`);
            expect(res.status, `${lang} ${name}`).toBe(400);
            const box = /<div class="error"[^>]*id="form-error"[^>]*>([\s\S]*?)<\/div>/.exec(res.text)?.[1] ?? '';
            expect(box, `${lang} ${name}`).toContain(sentence);
            expect(box, `${lang} ${name}`).not.toContain('error.field.');
            expect(box, `${lang} ${name}`).not.toContain('{field}');
            if (/^\w+$/.test(name)) expect(box, `${lang} ${name}`).toContain(`(${name})`);
            expect(res.text).not.toContain('a"b<c>');
          }
        }
      });

      it('GET / leads to sign-in when signed out and home when signed in', async () => {
        const agent = t.agent();
        const out = await agent.get('/');
        expect(out.status).toBe(303);
        expect(out.headers.location).toBe('/auth');
        const email = uniqueEmail('root');
        expect((await agent.post('/auth').send({ email })).status).toBe(200);
        expect((await agent.get('/')).headers.location).toBe('/auth');
        expect((await agent.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
        const inside = await agent.get('/');
        expect(inside.status).toBe(303);
        expect(inside.headers.location).toBe('/home');
      });

      it('HEAD answers as GET would (status and Location), signed out, pending and signed in', async () => {
        const paths = ['/', '/home', '/auth', '/verify', '/me', '/health/live', '/no-such-page'];
        const compare = async (agent: Agent, stage: string) => {
          for (const path of paths) {
            const get = await agent.get(path);
            const head = await agent.head(path);
            expect(head.status, `${stage} HEAD ${path}`).toBe(get.status);
            expect(head.headers.location, `${stage} HEAD ${path}`).toBe(get.headers.location);
            expect(head.text ?? '', `${stage} HEAD ${path} has no body`).toBe('');
          }
        };
        const agent = t.agent();
        await compare(agent, 'signed out');
        const signedOut = await agent.head('/home');
        expect(signedOut.status).toBe(303);
        expect(signedOut.headers.location).toBe('/auth');
        const email = uniqueEmail('head');
        expect((await agent.post('/auth').send({ email })).status).toBe(200);
        const code = await t.codeFor(email);
        await compare(agent, 'pending');
        expect((await agent.post('/verify').send({ code })).status).toBe(200);
        await compare(agent, 'signed in');
      });
    });
  });
});
