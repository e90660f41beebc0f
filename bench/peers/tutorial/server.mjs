/**
 * Benchmark peer: the 2022 tutorial this server replaces, re-created from its description.
 * Express 4, express-session (resave: false, saveUninitialized: false) with connect-redis on
 * node-redis, EJS pages login / verify / home. POST /auth keeps a 6-digit nanoid code in the
 * session and mails it with nodemailer (awaited); POST /verify compares it and sets isAuth; an
 * `auth` middleware guards GET /home. None of the security work of the server it is compared with.
 *
 * Run by the bench (bench/lib/peers.ts) as a child process with PORT, REDIS_URL, SMTP_URL,
 * SESSION_SECRET and NODE_ENV=production (Express caches the compiled views).
 */
import { fileURLToPath } from 'node:url';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { customAlphabet } from 'nanoid';
import nodemailer from 'nodemailer';
import { createClient } from 'redis';

const redisClient = createClient({ url: process.env.REDIS_URL });
redisClient.on('error', (err) => console.error(`redis: ${err.message}`));
await redisClient.connect();

// Pooled, like the server it is compared with: the bench's SMTP server delays each new
// connection's greeting by 100 ms, which would otherwise decide the tutorial's sign-in rate.
const transporter = nodemailer.createTransport(`${process.env.SMTP_URL}?pool=true`);
const newCode = customAlphabet('0123456789', 6);

const app = express();
app.set('view engine', 'ejs');
app.set('views', fileURLToPath(new URL('views', import.meta.url)));
app.use(express.urlencoded({ extended: false }));
app.use(
  session({
    store: new RedisStore({ client: redisClient }),
    secret: process.env.SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
  }),
);

const auth = (req, res, next) => {
  if (req.session.isAuth) return next();
  res.redirect('/login');
};

app.get('/login', (req, res) => res.render('login'));

app.post('/auth', async (req, res, next) => {
  try {
    const { email } = req.body;
    const otp = newCode();
    req.session.email = email;
    req.session.otp = otp;
    await transporter.sendMail({
      from: 'tutorial@bench.test',
      to: email,
      subject: 'Your sign-in code',
      text: `Your sign-in code is:\n\n${otp}\n`,
    });
    res.redirect('/verify');
  } catch (err) {
    next(err);
  }
});

app.get('/verify', (req, res) => res.render('verify', { error: null }));

app.post('/verify', (req, res) => {
  if (req.session.otp && req.body.otp === req.session.otp) {
    req.session.isAuth = true;
    delete req.session.otp;
    return res.redirect('/home');
  }
  res.status(401).render('verify', { error: 'Wrong code' });
});

app.get('/home', auth, (req, res) => res.render('home', { email: req.session.email }));

app.post('/logout', (req, res, next) => {
  req.session.destroy((err) => (err ? next(err) : res.redirect('/login')));
});

app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
