/**
 * Benchmark peer: Better Auth with its email-OTP plugin and Redis secondary storage (its own
 * `@better-auth/redis-storage` on ioredis), behind Express 5, as its documentation sets it up.
 * Accounts live in PostgreSQL when DATABASE_URL is given (a schema of its own, created by Better
 * Auth's migrations at start and dropped at exit), else in its memory adapter. Its rate limiter is
 * off for the run, as the compared server's limit is raised.
 *
 * Sign-in: POST /api/auth/email-otp/send-verification-otp {email, type: 'sign-in'}, the code by
 * mail (nodemailer, pooled, not awaited as the plugin's documentation advises), then
 * POST /api/auth/sign-in/email-otp {email, otp}. GET /home (a page) and GET /me (JSON) read the
 * session with `auth.api.getSession`. GET /login is a page for anonymous visitors.
 *
 * Run by the bench (bench/lib/peers.ts) as a child process with PORT, REDIS_URL, SMTP_URL,
 * BETTER_AUTH_SECRET, NODE_ENV=production and optionally DATABASE_URL.
 */
import { redisStorage } from '@better-auth/redis-storage';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders, toNodeHandler } from 'better-auth/node';
import { emailOTP } from 'better-auth/plugins/email-otp';
import express from 'express';
import { Redis } from 'ioredis';
import { PostgresDialect } from 'kysely';
import nodemailer from 'nodemailer';
import pg from 'pg';

const port = Number(process.env.PORT);
const SCHEMA = 'bench_better_auth';

const redis = new Redis(process.env.REDIS_URL);
const transporter = nodemailer.createTransport(`${process.env.SMTP_URL}?pool=true`);

let pool;
let database;
if (process.env.DATABASE_URL) {
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  await pool.query(`drop schema if exists ${SCHEMA} cascade; create schema ${SCHEMA}`);
  database = { dialect: new PostgresDialect({ pool }), type: 'postgres', schemaName: SCHEMA };
} else {
  database = memoryAdapter({ user: [], session: [], account: [], verification: [] });
}

const options = {
  baseURL: `http://127.0.0.1:${port}`,
  secret: process.env.BETTER_AUTH_SECRET,
  database,
  secondaryStorage: redisStorage({ client: redis }),
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [
    emailOTP({
      async sendVerificationOTP({ email, otp }) {
        transporter
          .sendMail({
            from: 'better-auth@bench.test',
            to: email,
            subject: 'Your sign-in code',
            text: `Your sign-in code is:\n\n${otp}\n`,
          })
          .catch((err) => console.error(`mail: ${err.message}`));
      },
    }),
  ],
};
if (pool) await (await getMigrations(options)).runMigrations();
const auth = betterAuth(options);

const escape = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const page = (title, body) =>
  `<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <title>${title}</title>\n  </head>\n  <body>\n${body}\n  </body>\n</html>\n`;

const app = express();
app.disable('x-powered-by');
// Better Auth reads the raw body itself: no body parser before its handler.
app.all('/api/auth/{*any}', toNodeHandler(auth));

app.get('/login', (_req, res) => {
  res
    .type('html')
    .send(
      page(
        'Sign in',
        '    <h1>Sign in</h1>\n    <form method="post" action="/api/auth/email-otp/send-verification-otp">\n' +
          '      <label>Email <input type="email" name="email" required /></label>\n' +
          '      <input type="hidden" name="type" value="sign-in" />\n      <button type="submit">Send me a code</button>\n    </form>',
      ),
    );
});

app.get('/home', async (req, res, next) => {
  try {
    const session = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
    if (!session) return res.redirect('/login');
    res
      .type('html')
      .send(
        page(
          'Home',
          `    <h1>Welcome</h1>\n    <p>You are signed in as ${escape(session.user.email)}.</p>\n` +
            '    <form method="post" action="/api/auth/sign-out"><button type="submit">Sign out</button></form>',
        ),
      );
  } catch (err) {
    next(err);
  }
});

app.get('/me', async (req, res, next) => {
  try {
    const session = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
    if (!session) return res.status(401).json({ error: 'unauthenticated' });
    res.json({ email: session.user.email, emailVerified: session.user.emailVerified });
  } catch (err) {
    next(err);
  }
});

app.listen(port, '127.0.0.1');

process.on('SIGTERM', () => {
  const dropped = pool ? pool.query(`drop schema if exists ${SCHEMA} cascade`).finally(() => pool.end()) : null;
  Promise.resolve(dropped)
    .catch(() => undefined)
    .finally(() => process.exit(0));
});
