/**
 * Floor 2: a bare Express 5 app with express-session + connect-redis (default options: JSON
 * records, the store's touch on every unmodified request) on node-redis, like the app's stack
 * without NestJS. `GET /login` creates a session; `GET /` reads it: a cookie unsign, a Redis GET,
 * and the store's touch (EXPIRE) before the answer. Run by the bench as a child process.
 */
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';

const port = Number(process.env.PORT);
const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (err: Error) => console.error(`redis: ${err.message}`));
await client.connect();

const app = express();
app.disable('x-powered-by');
app.use(
  session({
    name: 'sid',
    secret: process.env.SESSION_SECRET!,
    store: new RedisStore({ client, prefix: 'floor:' }),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', path: '/' },
  }),
);
app.get('/login', (req, res) => {
  (req.session as unknown as Record<string, unknown>).user = {
    email: 'floor@bench.test',
    aal: 1,
    amr: ['otp'],
    authTime: Date.now(),
  };
  res.send('ok');
});
app.get('/', (req, res) => {
  const user = (req.session as unknown as Record<string, unknown>).user;
  res.status(user ? 200 : 401).send(user ? 'ok' : 'no session');
});
app.get('/health', (_req, res) => {
  res.send('ok');
});
app.listen(port, '127.0.0.1');

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
