/**
 * Bad input, fixed as kinds (not one example each): wrong JSON types on every route and field,
 * JSON in other charsets, fields named like `Object.prototype` members, HEAD requests, `GET /`,
 * and the page's sentence for an unknown form field. Each bad request must answer 4xx and change
 * nothing: the identifier's failure counter and lock, its send budget, the pending challenge and
 * the mailbox are compared before and after.
 */
import { createClient } from 'redis';
import type { Response, Test } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailDispatcher } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { otpKey, testRedisUrl } from './support/redis.js';

type Agent = ReturnType<TestApp['agent']>;

const PASSWORD = 'correct horse battery';
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

/** Values of the wrong type or shape, for any field. */
const WRONG_VALUES: [string, unknown][] = [
  ['null', null],
  ['a number', 123456],
  ['a boolean', true],
  ['an array', ['a@example.test', 'b@example.test']],
  ['an object', { value: 'x' }],
  ['an empty string', ''],
];
/** Bigger than the 8 KiB body limit: refused before validation (413). */
const HUGE = 'x'.repeat(10 * 1024);

/** Every own property name of `Object.prototype` (`constructor`, `toString`, `__proto__`, ...). */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

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
    const pending = agent ? await agent.get('/verify/status').set('Accept', 'application/json') : undefined;
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

  describe('password mode', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'password' });
    });
    afterAll(() => t.close());

    /** A new account (each test its own: the identifier's send cooldown is 60 s). */
    async function account(): Promise<string> {
      const email = uniqueEmail('known');
      const agent = t.agent();
      expect((await agent.post('/register').send({ email, password: PASSWORD })).status).toBe(200);
      expect((await agent.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
      // The registration's mail is its own: start from a clean send budget.
      await redis.del(otpKey('s', email));
      return email;
    }

    for (const route of ['/auth', '/register']) {
      for (const field of ['email', 'password']) {
        it(`POST ${route}: every wrong type of ${field} is 400 with details and changes nothing`, async () => {
          const email = route === '/auth' ? await account() : uniqueEmail('new');
          const before = await state(t, email);
          for (const [label, value] of WRONG_VALUES) {
            const res = await t
              .agent()
              .post(route)
              .send({ email, password: PASSWORD, [field]: value });
            expect400(res, field, `${field} = ${label}`);
          }
          const huge = await t
            .agent()
            .post(route)
            .send({ email, password: PASSWORD, [field]: HUGE });
          expect(huge.status).toBe(413);
          expect(huge.body.error).toBe('payload_too_large');
          expect(await state(t, email)).toEqual(before);
        });
      }
    }

    it('POST /auth: a password sent as null is a 400, never a wrong password that counts toward the lock', async () => {
      const known = await account();
      const before = await state(t, known);
      for (let i = 0; i < 12; i++) {
        expect400(await t.agent().post('/auth').send({ email: known, password: null }), 'password', `try ${i}`);
      }
      expect(await state(t, known)).toEqual(before);
      // Left out entirely, it is required in password mode: 400 too.
      expect400(await t.agent().post('/auth').send({ email: known }), 'password', 'absent');
      expect((await t.agent().post('/auth').send({ email: known, password: PASSWORD })).status).toBe(200);
    });

    it('POST /verify: every wrong type of code is 400 and leaves the pending challenge and counters alone', async () => {
      const email = uniqueEmail('verify');
      const agent = t.agent();
      expect((await agent.post('/register').send({ email, password: PASSWORD })).status).toBe(200);
      const code = await t.codeFor(email);
      const before = await state(t, email, agent);
      expect(before.pending).toEqual({ status: 200, attempts: 5 });
      for (const [label, value] of [...WRONG_VALUES, ['digits as a number', Number(code)]] as [string, unknown][]) {
        expect400(await agent.post('/verify').send({ code: value }), 'code', `code = ${label}`);
      }
      expect((await agent.post('/verify').send({ code: HUGE })).status).toBe(413);
      expect(await state(t, email, agent)).toEqual(before);
      expect((await agent.post('/verify').send({ code })).status).toBe(200);
    });

    describe('fields that are not in the route (named like Object.prototype members too)', () => {
      const names = [...PROTOTYPE_NAMES, 'zzz'];
      const routes = ['/auth', '/register', '/verify', '/verify/resend', '/logout'];
      const bodies: Record<string, Record<string, string>> = {
        '/auth': { email: '', password: PASSWORD },
        '/register': { email: '', password: PASSWORD },
        '/verify': { code: '123456' },
        '/verify/resend': {},
        '/logout': {},
      };

      it('walks every name of Object.prototype', () => {
        for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
          expect(PROTOTYPE_NAMES).toContain(name);
        }
      });

      for (const route of routes) {
        it(`POST ${route}: JSON and forms with any unknown field are 400, and nothing is sent`, async () => {
          const email = uniqueEmail('unknown');
          const known = await account();
          const agent = t.agent();
          // A pending challenge, so that /verify and /verify/resend would have something to change.
          expect((await agent.post('/auth').send({ email: known, password: PASSWORD })).status).toBe(200);
          await t.codeFor(known);
          const before = { target: await state(t, email), known: await state(t, known, agent) };
          const base = { ...bodies[route], ...('email' in bodies[route] ? { email } : {}) };
          for (const name of names) {
            // Built as text: an object literal's `__proto__` would set the prototype, not a key.
            const json = `${JSON.stringify(base).slice(0, -1)}${Object.keys(base).length ? ',' : ''}${JSON.stringify(name)}:1}`;
            const res = await raw(agent.post(route), 'application/json', json);
            expect400(res, name, `JSON ${route} ${name}`);
          }
          const page = await agent.get('/auth');
          const token = csrfOf(page);
          for (const name of names) {
            const body = `${form({ ...base, _csrf: token })}&${encodeURIComponent(name)}=1`;
            const res = await agent.post(route).type('form').set('Accept', 'application/json').send(body);
            expect400(res, name, `form ${route} ${name}`);
          }
          expect({ target: await state(t, email), known: await state(t, known, agent) }).toEqual(before);
          // Still signed in to nothing, still pending: logout was refused every time.
          expect((await agent.get('/verify/status').set('Accept', 'application/json')).status).toBe(200);
        });
      }
    });
  });

  describe('email mode', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
    });
    afterAll(() => t.close());

    it('POST /auth: every wrong type of email is 400 and sends nothing; a password, even null, is refused', async () => {
      const email = uniqueEmail('email-mode');
      const before = await state(t, email);
      for (const [label, value] of WRONG_VALUES) {
        expect400(await t.agent().post('/auth').send({ email: value }), 'email', `email = ${label}`);
      }
      expect((await t.agent().post('/auth').send({ email: HUGE })).status).toBe(413);
      for (const [label, value] of WRONG_VALUES) {
        expect400(await t.agent().post('/auth').send({ email, password: value }), 'password', `password = ${label}`);
      }
      expect(await state(t, email)).toEqual(before);
      expect((await t.agent().post('/auth').send({ email })).status).toBe(200);
    });

    it('POST /verify: every wrong type of code is 400 and leaves the challenge alone', async () => {
      const email = uniqueEmail('email-verify');
      const agent = t.agent();
      expect((await agent.post('/auth').send({ email })).status).toBe(200);
      const code = await t.codeFor(email);
      const before = await state(t, email, agent);
      for (const [label, value] of WRONG_VALUES) {
        expect400(await agent.post('/verify').send({ code: value }), 'code', `code = ${label}`);
      }
      expect(await state(t, email, agent)).toEqual(before);
      expect((await agent.post('/verify').send({ code })).status).toBe(200);
    });

    it('refuses a body that is not an object (array, string, number, null) with 400', async () => {
      for (const body of ['[]', '[{"email":"a@example.test"}]', '"a@example.test"', '42', 'null', 'true']) {
        const res = await raw(t.agent().post('/auth'), 'application/json', body);
        expect(res.status, body).toBe(400);
        expect(['validation_failed', 'bad_request'], body).toContain(res.body.error);
      }
    });

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
          for (const name of ['zzz', 'constructor', 'toString', '__proto__', 'a"b<c>']) {
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
