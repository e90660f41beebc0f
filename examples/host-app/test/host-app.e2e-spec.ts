import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import {
  AppExceptionFilter,
  AuthGuard,
  AuthModule,
  createValidationPipe,
  CurrentUser,
  REDIS_CLIENT,
  type RedisClient,
  RequestProtectionMiddleware,
  SessionMiddleware,
  type SessionUser,
  TotpEnrolment,
} from 'nest-mfa-signin';
import { signIn, TestOutbox, totpCode } from 'nest-mfa-signin/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../../test/support/postgres.js';
import { flushKeys, testRedisUrl } from '../../../test/support/redis.js';
import { TestSmtpServer } from '../../../test/support/smtp.js';
import { AcmeTokenFactor } from '../src/acme-token/acme-token.factor.js';
import { AcmeTokenModule } from '../src/acme-token/acme-token.module.js';
import { AcmeTokens } from '../src/acme-token/acme-tokens.js';
import { HostDatabaseModule } from '../src/accounts/host-database.module.js';
import { migrateHostAccounts } from '../src/accounts/host-accounts.migration.js';
import { AppModule } from '../src/app.module.js';
import { AuthAuditListener } from '../src/audit/auth-audit.listener.js';
import { hostConfig } from '../src/host.config.js';
import { AdminController } from '../src/reports/admin.controller.js';
import { authOptions, signInInfrastructure } from '../src/sign-in.imports.js';
import { composeViews } from '../src/views.js';
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

let viewsDir: string;
let smtp: TestSmtpServer;
let db: pg.Pool;

beforeAll(async () => {
  // ViewModule reads one folder: the package's views with the host's two templates copied over them.
  viewsDir = await composeViews(await mkdtemp(join(tmpdir(), 'host-app-views-')));
  // The team's own table, made by the team's own migration.
  db = new pg.Pool({ connectionString: testDatabaseUrl() });
  await migrateHostAccounts(db);
  smtp = new TestSmtpServer();
  await smtp.start();
});

afterAll(async () => {
  await smtp?.stop();
  await db?.end();
  if (viewsDir) await rm(viewsDir, { recursive: true, force: true });
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
    host = await bootHost({ root: AppModule, smtpUrl: smtp.url, outbox, viewsDir });
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

    const low = await getJson(agent, '/admin').expect(401);
    expect(bodyOf<ErrorBody>(low)).toMatchObject({ error: 'step_up_required', factors: ['email_otp'] });
    // Stepping up with a second emailed code is still one factor: the level stays 1.
    await sleep(1100); // OTP_RESEND_SECONDS=1 since the sign-in code
    await agent.post('/step-up').send({}).expect(200);
    await agent
      .post('/verify')
      .send({ code: await outbox.codeFor(email) })
      .expect(200);
    await getJson(agent, '/admin').expect(401);

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

  it("serves the host's own home page and code mail, and the package's pages it did not override", async () => {
    const email = uniqueEmail('views');
    const agent = host.agent();
    await agent.post('/auth').send({ email }).expect(200);
    const mail = await outbox.next(email);
    expect(mail.subject).toBe('[Acme Reports] Confirm your email address'); // a first sign-in is a sign-up
    expect(mail.text).toMatch(/^ACME REPORTS\n/);
    expect(mail.text).toContain('Acme support will never ask for it.');
    expect(mail.html).toContain('data-host-template="code"');
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    await agent.post('/verify').send({ code }).expect(200);

    const home = await agent.get('/home').set('Accept', HTML).expect(200);
    expect(home.text).toContain('<h1 data-host-template="home">Acme Reports</h1>');
    expect(home.text).toContain(email);
    // The layout and every other page still come from the package's copy.
    const signInPage = await host.agent().get('/auth').set('Accept', HTML).expect(200);
    expect(signInPage.text).toContain('name="_csrf"');
    expect(signInPage.text).toContain('href="/assets/');
  });

  it('tells the listener every step, and no event payload holds a code or a session id', async () => {
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
      'auth.challenge.started',
      'auth.factor.failed',
      'auth.factor.passed',
      'auth.signed_in',
      'auth.challenge.started',
      'auth.factor.passed',
      'auth.stepped_up',
      'auth.signed_out',
    ]);
    expect(mine[0].payload).toMatchObject({ identifier: email, step: 'email_otp' });
    expect(mine[3].payload).toEqual({ email, factors: ['email_otp'], aal: 1 });
    expect(mine[4].payload).toMatchObject({ identifier: email, purpose: 'step-up', step: 'email_otp' });
    expect(mine[7].payload).toEqual({ email });

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
    host = await bootHost({ root: AppModule, smtpUrl: smtp.url, viewsDir });
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

@Module({
  imports: [
    AuthModule.forRootAsync({
      isGlobal: false,
      imports: [HostDatabaseModule],
      inject: [ConfigService],
      useFactory: authOptions,
    }),
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
    host = await bootHost({ root: FeatureHostModule, smtpUrl: smtp.url, outbox, viewsDir });
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
});

// The host's factor answering in `code`, the one field POST /verify gives a second factor besides `recoveryCode`.
class AcmeTokenInCode extends AcmeTokenFactor {
  override readonly field = 'code';
}

@Module({ providers: [AcmeTokens, AcmeTokenInCode], exports: [AcmeTokens] })
class AcmeTokenInCodeModule {}

describe('a second factor of the host (AcmeTokenFactor: SecondFactor + FactorRegistry.register)', () => {
  it('registers beside TotpModule and is asked for, but POST /verify refuses its own field: the account cannot finish signing in', async () => {
    const outbox = new TestOutbox();
    const host = await bootHost({ root: AppModule, imports: [AcmeTokenModule], smtpUrl: smtp.url, outbox, viewsDir });
    try {
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

      // FINDING: VerifyDto takes only `code` and `recoveryCode`, so the factor's own field is a 400 ...
      const own = await agent.post('/verify').send({ token }).expect(400);
      expect(bodyOf<ErrorBody>(own).details).toEqual([
        { field: 'token', problems: ['token is not a field of this request'] },
      ]);
      // ... and `code` is not this factor's field, so it is not asked for either.
      const asCode = await agent.post('/verify').send({ code: token }).expect(400);
      expect(bodyOf<ErrorBody>(asCode).details).toEqual([
        { field: 'code', problems: ['code is not asked for at this step'] },
      ]);
    } finally {
      await host.close();
    }
  });

  it('cannot answer in `code` beside TotpModule: the app refuses to start', async () => {
    const boot = bootHost({
      root: AppModule,
      imports: [AcmeTokenInCodeModule],
      smtpUrl: smtp.url,
      outbox: new TestOutbox(),
      viewsDir,
    });
    await expect(boot).rejects.toThrow(/both answer in the field "code"/);
  });

  it('works end to end in an app without TotpModule, answering in `code`: email code + token = aal 2', async () => {
    @Module({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, load: [hostConfig] }),
        ...signInInfrastructure(),
        AuthModule.forRootAsync({ imports: [HostDatabaseModule], inject: [ConfigService], useFactory: authOptions }),
        AcmeTokenInCodeModule,
      ],
      controllers: [AdminController],
      providers: [
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    })
    class TokenHostModule implements NestModule {
      configure(consumer: MiddlewareConsumer) {
        consumer
          .apply(SessionMiddleware, RequestProtectionMiddleware)
          .forRoutes({ path: '{*rest}', method: RequestMethod.ALL });
      }
    }

    const outbox = new TestOutbox();
    const host = await bootHost({ root: TokenHostModule, smtpUrl: smtp.url, outbox, viewsDir });
    try {
      const email = uniqueEmail('token-code');
      const tokens = host.app.get(AcmeTokens);
      const token = tokens.issue(email);
      const agent = host.agent();
      await agent.post('/auth').send({ email }).expect(200);
      await agent
        .post('/verify')
        .send({ code: await outbox.codeFor(email) })
        .expect(200);
      const done = await agent.post('/verify').send({ code: token }).expect(200);
      expect(bodyOf<{ status: string }>(done).status).toBe('authenticated');
      const me = await getJson(agent, '/me').expect(200);
      expect(bodyOf<{ aal: number; amr: string[]; factors: string[] }>(me)).toMatchObject({
        aal: 2,
        factors: ['email_otp', 'acme_token'],
        amr: ['otp', 'hwk', 'mfa'],
      });
      await getJson(agent, '/admin').expect(200);
    } finally {
      await host.close();
    }
  });
});
