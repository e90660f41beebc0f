import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Controller,
  Get,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
  UseGuards,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import {
  AppExceptionFilter,
  AuthGuard,
  AuthModule,
  createValidationPipe,
  CurrentUser,
  DEFAULT_VIEWS_DIR,
  PUBLIC_ASSETS_DIR,
  REDIS_CLIENT,
  type RedisClient,
  RequestProtectionMiddleware,
  SessionMiddleware,
  type SessionUser,
  TotpEnrolment,
  TotpModule,
} from 'nest-mfa-signin';
import { signIn, TestOutbox, totpCode } from 'nest-mfa-signin/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../../test/support/postgres.js';
import { flushKeys, testRedisUrl } from '../../../test/support/redis.js';
import { TestSmtpServer } from '../../../test/support/smtp.js';
import { AcmeTokens } from '../src/acme-token/acme-tokens.js';
import { HostDatabaseModule } from '../src/accounts/host-database.module.js';
import { migrateHostAccounts } from '../src/accounts/host-accounts.migration.js';
import { AppModule } from '../src/app.module.js';
import { AuthActivityListener } from '../src/audit/auth-activity.listener.js';
import { AuthAuditListener } from '../src/audit/auth-audit.listener.js';
import { hostConfig } from '../src/host.config.js';
import { authOptions, signInInfrastructure, totpOptions } from '../src/sign-in.imports.js';
import {
  type Agent,
  bodyOf,
  bootHost,
  DOMAIN,
  type ErrorBody,
  type HostApp,
  sleep,
  uniqueEmail,
} from './host-app.fixture.js';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';
const JSON_TYPE = 'application/json';

let smtp: TestSmtpServer;
let db: pg.Pool;
/** The package's English messages, which the pages the host did not override show. */
let catalog: Record<string, string>;

beforeAll(async () => {
  catalog = JSON.parse(await readFile(join(DEFAULT_VIEWS_DIR, 'locales', 'en.json'), 'utf8')) as Record<string, string>;
  // The team's own table, made by the team's own migration.
  db = new pg.Pool({ connectionString: testDatabaseUrl() });
  await migrateHostAccounts(db);
  smtp = new TestSmtpServer();
  await smtp.start();
});

afterAll(async () => {
  await smtp?.stop();
  await db?.end();
  for (const pattern of [`user:*@${DOMAIN}`, `totp:*@${DOMAIN}`]) {
    await flushKeys(testRedisUrl(), pattern).catch(() => undefined);
  }
});

const getJson = (agent: Agent, path: string) => agent.get(path).set('Accept', JSON_TYPE);

describe('the host app (email mode, mail through the TestOutbox)', () => {
  let host: HostApp;
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = new TestOutbox();
    host = await bootHost({ root: AppModule, smtpUrl: smtp.url, outbox });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('signs in through the package routes with signIn(), and the account is a row of host_accounts', async () => {
    const email = uniqueEmail('store');
    const agent = host.agent();
    await signIn(agent, email, { outbox });

    const reports = await getJson(agent, '/reports').expect(200);
    expect(bodyOf<{ owner: string; aal: number }>(reports)).toMatchObject({ owner: email, aal: 1 });

    // The host's store was used: the row is in the team's table ...
    const { rows } = await db.query<{ email: string; password_hash: string | null; plan: string }>(
      'select email, password_hash, plan from host_accounts where email = $1',
      [email],
    );
    expect(rows).toEqual([{ email, password_hash: null, plan: 'free' }]);
    // ... and in neither of the package's own account stores.
    const packageRows = await db.query('select 1 from accounts where email = $1', [email]);
    expect(packageRows.rowCount).toBe(0);
    expect(await host.app.get<RedisClient>(REDIS_CLIENT).exists(`user:${email}`)).toBe(0);
  });

  it('puts every route behind the global AuthGuard, except the @Public() ones', async () => {
    const agent = host.agent();
    const signedOut = await getJson(agent, '/reports').expect(401);
    expect(bodyOf<ErrorBody>(signedOut).error).toBe('unauthenticated');
    // A page asked for while signed out goes to the sign-in page instead.
    await agent.get('/reports').set('Accept', HTML).expect(303).expect('Location', '/auth');
    await agent.post('/billing/close').send({}).expect(401);

    // The host's open routes, and the package's own sign-in routes, are @Public().
    const status = await getJson(agent, '/status').expect(200);
    expect(bodyOf<{ signIn: string }>(status)).toEqual({ status: 'ok', signIn: 'email', signup: 'open' });
    await getJson(agent, '/pricing').expect(200);
    await agent.get('/auth').set('Accept', HTML).expect(200);

    await signIn(agent, uniqueEmail('guard'), { outbox });
    await getJson(agent, '/reports').expect(200);
  });

  it('@RequireAal(2) on /admin: a code-only session (aal 1) is asked to step up, an authenticator takes it to aal 2', async () => {
    const email = uniqueEmail('admin');
    const agent = host.agent();
    await signIn(agent, email, { outbox });

    // Another emailed code would still be one factor: no step-up can raise the level, so none is
    // offered (an empty list) and the account must add a factor first.
    const low = await getJson(agent, '/admin').expect(401);
    expect(bodyOf<ErrorBody>(low)).toMatchObject({ error: 'step_up_required', factors: [] });

    // The account adds an authenticator app (TotpModule's enrolment, as an account page would).
    const enrolment = host.app.get(TotpEnrolment);
    const { secret } = await enrolment.setup(email);
    await enrolment.confirm(email, totpCode(secret, host.clock.now()));
    const again = await getJson(agent, '/admin').expect(401);
    expect(bodyOf<ErrorBody>(again).factors).toEqual(['totp']);

    host.clock.advance(30_000); // the confirming code's time step is spent
    const step = await agent.post('/step-up').send({}).expect(200);
    expect(bodyOf<{ status: string }>(step).status).toBe('second_factor_required');
    await agent
      .post('/verify')
      .send({ code: totpCode(secret, host.clock.now()) })
      .expect(200);
    const admin = await getJson(agent, '/admin').expect(200);
    expect(bodyOf<{ aal: number; factors: string[] }>(admin)).toMatchObject({
      admin: email,
      aal: 2,
      factors: ['email_otp', 'totp'],
    });
  });

  it('@FreshAuth(300) on /billing/close: past 300 s it asks for a step-up, and POST /step-up + POST /verify open it again', async () => {
    const email = uniqueEmail('billing');
    const agent = host.agent();
    await signIn(agent, email, { outbox });
    await agent.post('/billing/close').send({}).expect(200);

    host.clock.advance(301_000);
    const stale = await agent.post('/billing/close').send({}).expect(401);
    expect(bodyOf<ErrorBody>(stale)).toMatchObject({ error: 'step_up_required', factors: ['email_otp'] });

    await sleep(1100); // OTP_RESEND_SECONDS=1 since the sign-in code
    const step = await agent.post('/step-up').send({}).expect(200);
    expect(bodyOf<{ status: string }>(step).status).toBe('code_sent');
    const verified = await agent
      .post('/verify')
      .send({ code: await outbox.codeFor(email) })
      .expect(200);
    expect(bodyOf<{ status: string }>(verified).status).toBe('authenticated');
    const closed = await agent.post('/billing/close').send({}).expect(200);
    expect(bodyOf<{ status: string; by: string }>(closed)).toEqual({ status: 'closed', by: email });
  });

  it('expires an emailed code when the clock passes its deadline: clock.advance(ttl), and the code answers 410', async () => {
    const email = uniqueEmail('expiry');
    const agent = host.agent();
    await agent.post('/auth').send({ email }).expect(200);
    const code = await outbox.codeFor(email);

    host.clock.advance(600_000); // OtpModule's default ttlSeconds
    const late = await agent.post('/verify').send({ code }).expect(410);
    expect(bodyOf<ErrorBody>(late).error).toBe('challenge_expired');
  });

  it("serves the host's own home page and code mail from its overrides folder, and the package's pages it did not override", async () => {
    const email = uniqueEmail('views');
    const agent = host.agent();
    await agent.post('/auth').send({ email }).expect(200);
    const mail = await outbox.next(email);
    expect(mail.subject).toBe('[Acme Reports] Confirm your email address'); // a first sign-in is a sign-up
    expect(mail.text).toMatch(/^ACME REPORTS\n/);
    expect(mail.text).toContain('Acme support will never ask for it.');
    expect(mail.html).toContain('data-host-template="code"');
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    // The verify page is the package's own, with the package's messages.
    const verifyPage = await agent.get('/verify').set('Accept', HTML).expect(200);
    expect(verifyPage.text).toContain(`<h1>${catalog['verify.title']}</h1>`);
    expect(verifyPage.text).not.toContain('data-host-template');
    await agent.post('/verify').send({ code }).expect(200);

    const home = await agent.get('/home').set('Accept', HTML).expect(200);
    expect(home.text).toContain('<h1 data-host-template="home">Acme Reports</h1>');
    expect(home.text).toContain(email);
    // ... inside the package's layout, with the package's partial (the CSRF field of the form).
    expect(home.text).toContain('<link rel="stylesheet" href="/assets/app.css">');
    expect(home.text).toMatch(/<form method="post" action="\/logout">\s*<input type="hidden" name="_csrf"/);
    // Every page the host did not override is the package's.
    const signInPage = await host.agent().get('/auth').set('Accept', HTML).expect(200);
    expect(signInPage.text).toContain(`<h1>${catalog['signIn.title']}</h1>`);
    expect(signInPage.text).toContain('name="_csrf"');
    expect(signInPage.text).not.toContain('data-host-template');
  });

  it("reads bodies with the package's readers (applyHttpSetup): 413 past 8 KiB, 400 for a repeated JSON key", async () => {
    const agent = host.agent();
    const big = await agent
      .post('/auth')
      .set('Content-Type', JSON_TYPE)
      .send(JSON.stringify({ email: `${'x'.repeat(9 * 1024)}@${DOMAIN}` }))
      .expect(413);
    expect(bodyOf<ErrorBody>(big).error).toBe('payload_too_large');

    const [first, second] = [uniqueEmail('repeated'), uniqueEmail('repeated')];
    const repeated = await agent
      .post('/auth')
      .set('Content-Type', JSON_TYPE)
      .send(`{"email":"${first}","email":"${second}"}`)
      .expect(400);
    expect(bodyOf<ErrorBody>(repeated)).toMatchObject({
      error: 'validation_failed',
      details: [{ field: 'email', problems: ['email is repeated'] }],
    });
    // A body in another charset than UTF-8 is refused before it is read.
    await agent
      .post('/auth')
      .set('Content-Type', 'application/json; charset=iso-8859-1')
      .send(JSON.stringify({ email: first }))
      .expect(415);
    // Neither started anything: no send cooldown stands in the way of a code for either address.
    await host.agent().post('/auth').send({ email: first }).expect(200);
    await host.agent().post('/auth').send({ email: second }).expect(200);
  });

  it("serves the package's assets and the strict CSP of applyHttpSetup", async () => {
    const css = await host.agent().get('/assets/app.css').expect(200);
    expect(css.text).toBe(await readFile(join(PUBLIC_ASSETS_DIR, 'app.css'), 'utf8'));
    const page = await host.agent().get('/auth').set('Accept', HTML).expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-powered-by']).toBeUndefined();
  });

  it("answers HealthModule's probes under the global AuthGuard, without a session", async () => {
    const live = await getJson(host.agent(), '/health/live').expect(200);
    expect(bodyOf<{ status: string }>(live).status).toBe('ok');
    expect(live.headers['set-cookie']).toBeUndefined();
    const ready = await getJson(host.agent(), '/health/ready').expect(200);
    expect(bodyOf<{ status: string }>(ready).status).toBe('ok');
  });

  it('asks an account holding an Acme token for it beside TotpModule, and { factor, answer } signs it in at aal 2', async () => {
    const email = uniqueEmail('token');
    const token = host.app.get(AcmeTokens).issue(email);
    const agent = host.agent();
    await agent.post('/auth').send({ email }).expect(200);
    const second = await agent
      .post('/verify')
      .send({ code: await outbox.codeFor(email) })
      .expect(200);
    expect(bodyOf<{ status: string; factors: string[] }>(second)).toMatchObject({
      status: 'second_factor_required',
      factors: ['acme_token'],
    });

    // `code` is the authenticator's field, and this account has no authenticator.
    const asCode = await agent.post('/verify').send({ code: token }).expect(400);
    expect(bodyOf<ErrorBody>(asCode).details).toEqual([
      { field: 'code', problems: ['code is not asked for at this step'] },
    ]);
    // The factor checks the format (a 400 that counts nothing); a wrong token code is a counted 401.
    const malformed = await agent.post('/verify').send({ factor: 'acme_token', answer: '1234' }).expect(400);
    expect(bodyOf<ErrorBody>(malformed).details).toEqual([
      { field: 'answer', problems: ['answer is not in the expected format'] },
    ]);
    const wrong = await agent
      .post('/verify')
      .send({ factor: 'acme_token', answer: token === '00000000' ? '00000001' : '00000000' })
      .expect(401);
    expect(bodyOf<ErrorBody>(wrong).error).toBe('invalid_code');

    const done = await agent.post('/verify').send({ factor: 'acme_token', answer: token }).expect(200);
    expect(bodyOf<{ status: string }>(done).status).toBe('authenticated');
    const me = await getJson(agent, '/me').expect(200);
    expect(bodyOf<{ email: string; aal: number; amr: string[] }>(me)).toMatchObject({
      email,
      aal: 2,
      amr: ['otp', 'hwk', 'mfa'],
    });
    const admin = await getJson(agent, '/admin').expect(200);
    expect(bodyOf<{ factors: string[] }>(admin).factors).toEqual(['email_otp', 'acme_token']);
  });

  it('tells the listeners every step (one handler per name, and the auth.* wildcard), and no event payload holds a code or a session id', async () => {
    const email = uniqueEmail('events');
    const agent = host.agent();
    const audit = host.app.get(AuthAuditListener);
    const codes: string[] = [];

    await agent.post('/auth').send({ email }).expect(200);
    const code = await outbox.codeFor(email);
    codes.push(code, code === '000000' ? '000001' : '000000');
    await agent.post('/verify').send({ code: codes[1] }).expect(401);
    const signedIn = await agent.post('/verify').send({ code }).expect(200);
    const cookies = ([] as string[]).concat(signedIn.headers['set-cookie'] ?? []);

    host.clock.advance(301_000);
    await sleep(1100); // OTP_RESEND_SECONDS=1
    await agent.post('/step-up').send({}).expect(200);
    const stepUpCode = await outbox.codeFor(email);
    codes.push(stepUpCode);
    await agent.post('/verify').send({ code: stepUpCode }).expect(200);
    await agent.post('/logout').send({}).expect(204);

    const mine = audit.seen.filter((e) => {
      const p = e.payload as { email?: string; identifier?: string };
      return p.email === email || p.identifier === email;
    });
    expect(mine.map((e) => e.name)).toEqual([
      'auth.code_sent',
      'auth.challenge_started',
      'auth.factor_failed',
      'auth.factor_passed',
      'auth.signed_in',
      'auth.code_sent',
      'auth.challenge_started',
      'auth.factor_passed',
      'auth.stepped_up',
      'auth.signed_out',
    ]);
    // The wildcard handler, `@OnEvent('auth.*')`, heard every one of them.
    expect(host.app.get(AuthActivityListener).eventsOf(email)).toBe(mine.length);
    expect(mine[0].payload).toEqual({ identifier: email, purpose: 'sign-up', send: 1, account: false });
    expect(mine[1].payload).toMatchObject({ identifier: email, step: 'email_otp' });
    // The browser's readable name and network come with a sign-in, never a code or a session id.
    expect(mine[4].payload).toEqual({
      email,
      factors: ['email_otp'],
      aal: 1,
      device: 'Unknown browser',
      ip: '127.0.0.0/24',
      // The reader's languages, for a notice mail (supertest sends none: any).
      locales: ['*'],
      // The emitter knows the account exists: listeners need not look it up.
      account: true,
    });
    expect(mine[6].payload).toMatchObject({ identifier: email, purpose: 'step-up', step: 'email_otp' });
    expect(mine[9].payload).toEqual({ email });

    const payloads = JSON.stringify(mine.map((e) => e.payload));
    for (const c of codes) expect(payloads).not.toContain(c);
    // Nor anything code-like (the address itself may hold digits: the test domain has the pid).
    expect(payloads.replaceAll(email, '<email>')).not.toMatch(/\d{6}/);
    // The signed-in session's id: the `s:<id>.<signature>` value of its cookie.
    const sessionIds = cookies.map((c) => /^s:([^.]+)\./.exec(decodeURIComponent(c.split(';')[0].split('=')[1]))?.[1]);
    expect(sessionIds.filter(Boolean)).toHaveLength(1);
    for (const sid of sessionIds) if (sid) expect(payloads).not.toContain(sid);
  });
});

describe('the host app with its real SMTP transport', () => {
  let host: HostApp;

  beforeAll(async () => {
    host = await bootHost({ root: AppModule, smtpUrl: smtp.url });
  });

  afterAll(async () => {
    await host?.close();
  });

  it("delivers the host's overriding code template, whose code signs in", async () => {
    const email = uniqueEmail('smtp');
    const agent = host.agent();
    await agent.post('/auth').send({ email }).expect(200);
    const mail = await smtp.waitForMail(email);
    expect(mail.from).toContain('no-reply@acme.example');
    expect(mail.subject).toBe('[Acme Reports] Confirm your email address'); // a first sign-in is a sign-up
    expect(mail.text).toMatch(/^ACME REPORTS\n/);
    expect(mail.html).toContain('data-host-template="code"');
    expect(mail.code).toMatch(/^\d{6}$/);
    await agent.post('/verify').send({ code: mail.code }).expect(200);
    await getJson(agent, '/reports').expect(200);
  });
});

// A feature module of the host that imports AuthModule for itself (not global) and guards its own
// controller: AuthGuard is instantiated in this module, so what it injects must be exported to it.
@Controller('feature-reports')
class FeatureReportsController {
  @Get()
  @UseGuards(AuthGuard)
  list(@CurrentUser() user: SessionUser) {
    return { owner: user.email };
  }
}

// One module object imported in two places: Nest makes one AuthModule of it, with one FactorRegistry.
const featureAuth = AuthModule.forRootAsync({
  isGlobal: false,
  imports: [HostDatabaseModule],
  inject: [ConfigService],
  useFactory: authOptions,
});

@Module({
  imports: [
    featureAuth,
    // TotpModule registers its factor with AuthModule's FactorRegistry: import that same AuthModule.
    TotpModule.forRootAsync({ imports: [featureAuth], inject: [ConfigService], useFactory: totpOptions }),
  ],
  controllers: [FeatureReportsController],
})
class ReportsFeatureModule {}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [hostConfig] }),
    ...signInInfrastructure(),
    ReportsFeatureModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: AppExceptionFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
class FeatureHostModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply(SessionMiddleware, RequestProtectionMiddleware)
      .forRoutes({ path: '{*rest}', method: RequestMethod.ALL });
  }
}

describe('AuthModule.forRootAsync({ isGlobal: false }) in a feature module, with @UseGuards(AuthGuard) there', () => {
  let host: HostApp;
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = new TestOutbox();
    // Before the options token was exported this failed to compile with
    // "Nest can't resolve dependencies of the AuthGuard (CONFIGURABLE_MODULE_OPTIONS[...], ...)".
    host = await bootHost({ root: FeatureHostModule, smtpUrl: smtp.url, outbox });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('compiles, and the guard keeps the feature route closed until sign-in', async () => {
    const agent = host.agent();
    await getJson(agent, '/feature-reports').expect(401);
    const email = uniqueEmail('feature');
    await signIn(agent, email, { outbox });
    const res = await getJson(agent, '/feature-reports').expect(200);
    expect(bodyOf<{ owner: string }>(res)).toEqual({ owner: email });
  });

  it("registers TotpModule's factor with the feature's AuthModule: an authenticator is asked for at sign-in", async () => {
    const email = uniqueEmail('feature-totp');
    await signIn(host.agent(), email, { outbox });
    const enrolment = host.app.get(TotpEnrolment);
    const { secret } = await enrolment.setup(email);
    await enrolment.confirm(email, totpCode(secret, host.clock.now()));
    host.clock.advance(30_000); // the confirming code's time step is spent

    await sleep(1100); // OTP_RESEND_SECONDS=1 since the sign-up code (the cooldown runs on real time)
    const agent = host.agent();
    await agent.post('/auth').send({ email }).expect(200);
    const second = await agent
      .post('/verify')
      .send({ code: await outbox.codeFor(email) })
      .expect(200);
    expect(bodyOf<{ status: string; factors: string[] }>(second)).toMatchObject({
      status: 'second_factor_required',
      factors: ['totp'],
    });
    await agent
      .post('/verify')
      .send({ code: totpCode(secret, host.clock.now()) })
      .expect(200);
    await getJson(agent, '/feature-reports').expect(200);
  });
});
