import { TotpService } from '../totp/totp.service.js';
import type { TestOutbox } from './test-outbox.js';

/** The parts of a supertest agent (`request.agent(app.getHttpServer())`) that {@link signIn} uses. */
export interface AgentLike {
  post(path: string): { send(body: object): PromiseLike<{ status: number; body: Record<string, unknown> }> };
}

/** How {@link signIn} answers each step. */
export interface SignInOptions {
  /** Where the codes arrive. */
  outbox: TestOutbox;
  /** The password (password mode). */
  password?: string;
  /** The account's authenticator secret (base32), when it has one. */
  totpSecret?: string;
  /** The time the authenticator code is made for (default now); move it 30 s between two sign-ins. */
  now?: number;
}

const TOTP = new TotpService();

/**
 * The code an authenticator app shows for `secret` at `now` (RFC 6238: SHA-1, 6 digits, 30 s).
 * The server accepts a code once: for a second sign-in in the same 30 s, use `now + 30_000`.
 */
export function totpCode(secret: string, now = Date.now()): string {
  return TOTP.generate(secret, now);
}

/**
 * Signs `agent` in as `email` through the JSON routes, whatever the mode: `POST /auth`, the emailed
 * code from `outbox`, then the authenticator code when the account has one.
 * @throws Error naming the step and the answer when a step fails.
 */
export async function signIn(agent: AgentLike, email: string, options: SignInOptions): Promise<void> {
  const first = await agent
    .post('/auth')
    .send(options.password === undefined ? { email } : { email, password: options.password });
  let answer = first;
  if (first.status !== 200) throw new Error(`POST /auth answered ${first.status}: ${JSON.stringify(first.body)}`);
  if (first.body.status === 'code_sent') {
    answer = await agent.post('/verify').send({ code: await options.outbox.codeFor(email) });
  }
  if (answer.status === 200 && answer.body.status === 'second_factor_required') {
    if (!options.totpSecret) throw new Error(`${email} needs a second factor: pass totpSecret`);
    answer = await agent.post('/verify').send({ code: totpCode(options.totpSecret, options.now) });
  }
  if (answer.status !== 200 || answer.body.status !== 'authenticated') {
    throw new Error(`POST /verify answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}
