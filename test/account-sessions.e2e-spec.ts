/**
 * The account's sessions: three browsers sign in, one lists them with readable devices, ends one
 * (signed out at its next request, through another instance on the same Redis), then ends all the
 * others. Ending needs a fresh second factor; a session id never leaves the server.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettableClock } from '../src/testing/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';

type Agent = ReturnType<TestApp['agent']>;

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const JSON_TYPE = 'application/json';

describe('account sessions (two instances on one Redis)', () => {
  const SESSION_SECRET = randomBytes(24).toString('base64url');
  const OTP_SECRET = randomBytes(24).toString('base64url');
  const clock = new SettableClock();
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { AUTH_FIRST_FACTOR: 'email', SESSION_SECRET, OTP_SECRET, OTP_RESEND_SECONDS: '1' };
    a = await createTestApp(env, { clock });
    b = await createTestApp(env, { smtp: a.smtp, clock });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function signIn(t: TestApp, email: string, ua: string): Promise<Agent> {
    const agent = t.agent();
    expect((await agent.post('/auth').set('User-Agent', ua).send({ email })).status).toBe(200);
    expect(
      (
        await agent
          .post('/verify')
          .set('User-Agent', ua)
          .send({ code: await a.codeFor(email) })
      ).status,
    ).toBe(200);
    return agent;
  }
  const me = (agent: Agent) => agent.get('/me').set('Accept', JSON_TYPE);
  const list = (agent: Agent) => agent.get('/account/sessions').set('Accept', JSON_TYPE);

  it('lists every browser with a readable device, ends one everywhere, then all the others', async () => {
    const email = uniqueEmail('sessions');
    const firefox = await signIn(a, email, FIREFOX);
    await sleep(1100);
    const safari = await signIn(b, email, SAFARI);
    await sleep(1100);
    const chrome = await signIn(a, email, CHROME);

    const listed = await list(firefox);
    expect(listed.status).toBe(200);
    // Signed-in sessions; each full sign-in also made its browser a known device of the account.
    const all = listed.body.sessions as { id: string; current: boolean; device: string; ip: string; kind: string }[];
    expect(all.filter((s) => s.kind === 'known')).toHaveLength(3);
    const sessions = all.filter((s) => s.kind === 'session');
    expect(sessions.map((s) => s.device).sort()).toEqual(['Chrome on Windows', 'Firefox on Linux', 'Safari on macOS']);
    expect(sessions[0]).toMatchObject({ current: true, device: 'Firefox on Linux', remembered: false });
    expect(sessions.every((s) => /^\d+\.\d+\.\d+\.0\/24$|::\/48$/.test(s.ip))).toBe(true);
    // No session id in the answer: the cookies' ids do not appear.
    const body = JSON.stringify(listed.body);
    for (const agent of [firefox, safari, chrome]) {
      const sid = (
        agent as unknown as { jar: { getCookie(n: string, o: object): { value: string } | undefined } }
      ).jar.getCookie('sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })?.value;
      if (sid) expect(body).not.toContain(decodeURIComponent(sid).slice(2, 34));
    }
    // The other instance lists the same sessions.
    const sessionsOf = async (agent: Agent) =>
      ((await list(agent)).body.sessions as { kind: string; current: boolean }[]).filter((s) => s.kind === 'session');
    expect(await sessionsOf(safari)).toHaveLength(3);

    // Ending Safari's session from Firefox (instance a) signs it out at its next request on instance b.
    const safariId = sessions.find((s) => s.device === 'Safari on macOS')!.id;
    expect((await firefox.delete(`/account/sessions/${safariId}`)).status).toBe(204);
    expect((await me(safari)).status).toBe(401);
    expect(await sessionsOf(firefox)).toHaveLength(2);
    // An unknown id, or the same one again: 404.
    expect((await firefox.delete(`/account/sessions/${safariId}`).set('Accept', JSON_TYPE)).status).toBe(404);

    // Revoke the others: only this one is left.
    expect((await firefox.post('/account/sessions/revoke-others').send({})).status).toBe(204);
    expect((await me(chrome)).status).toBe(401);
    expect((await me(firefox)).status).toBe(200);
    const left = await sessionsOf(firefox);
    expect(left).toHaveLength(1);
    expect(left[0].current).toBe(true);
  });

  it('marks this browser’s own trusted entry as current, and shows a trusted browser’s last sign-in as lastSeenAt', async () => {
    type Listed = { id: string; current: boolean; createdAt: string; lastSeenAt: string; device: string; kind: string };
    const email = uniqueEmail('sessions-trusted');
    const firefox = await signIn(a, email, FIREFOX);
    await sleep(1100);
    const safari = await signIn(b, email, SAFARI);
    const knownOf = async (agent: Agent) =>
      ((await list(agent)).body.sessions as Listed[]).filter((s) => s.kind === 'known');

    // Each browser sees its own known entry as current, and the other's not.
    for (const [agent, own, other] of [
      [firefox, 'Firefox on Linux', 'Safari on macOS'],
      [safari, 'Safari on macOS', 'Firefox on Linux'],
    ] as const) {
      const known = await knownOf(agent);
      expect(known.map((k) => [k.device, k.current]).sort()).toEqual(
        [
          [other, false],
          [own, true],
        ].sort(),
      );
    }

    // Firefox signs in again later: its entry keeps its creation time and shows the new sign-in.
    const before = (await knownOf(firefox)).find((k) => k.device === 'Firefox on Linux')!;
    expect(before.lastSeenAt).toBe(before.createdAt);
    expect((await firefox.post('/logout').send({})).status).toBe(204);
    await sleep(1100);
    const again = Date.now();
    expect((await firefox.post('/auth').set('User-Agent', FIREFOX).send({ email })).status).toBe(200);
    const code = await a.codeFor(email);
    expect((await firefox.post('/verify').set('User-Agent', FIREFOX).send({ code })).status).toBe(200);
    const after = await knownOf(firefox);
    const mine = after.find((k) => k.device === 'Firefox on Linux')!;
    expect(mine).toMatchObject({ id: before.id, createdAt: before.createdAt, current: true });
    expect(Date.parse(mine.lastSeenAt)).toBeGreaterThanOrEqual(again);
    expect(Date.parse(mine.lastSeenAt)).toBeLessThanOrEqual(Date.now());
    // Safari's entry is untouched: its last sign-in is its first.
    const theirs = after.find((k) => k.device === 'Safari on macOS')!;
    expect(theirs.current).toBe(false);
    expect(theirs.lastSeenAt).toBe(theirs.createdAt);
    expect(Date.parse(theirs.lastSeenAt)).toBeLessThan(again);

    // The list: this session first, then this browser's own entry; the page marks both as this
    // browser, ends the session with "Sign out here" and forgets the trusted entry.
    const sessions = (await list(firefox)).body.sessions as Listed[];
    expect(sessions.slice(0, 2).map((s) => [s.kind, s.current, s.device])).toEqual([
      ['session', true, 'Firefox on Linux'],
      ['known', true, 'Firefox on Linux'],
    ]);
    const page = await firefox.get('/account/sessions');
    const items = page.text.slice(page.text.indexOf('id="sessions"')).split('<li>').slice(1);
    expect(items[0]).toContain('This browser');
    expect(items[0]).toContain('Sign out here');
    expect(items[1]).toContain('This browser');
    expect(items[1]).toContain('Forget this browser');
    expect(items[1]).toContain(`/account/sessions/${mine.id}/end`);
  });

  it('ending sessions needs a second factor of the last 5 minutes', async () => {
    const email = uniqueEmail('sessions-fresh');
    const agent = await signIn(a, email, FIREFOX);
    clock.advance(301_000);
    try {
      const res = await agent.post('/account/sessions/revoke-others').send({});
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('step_up_required');
      const own = ((await list(agent)).body.sessions as { id: string; current: boolean }[]).find((s) => s.current)!.id;
      expect((await agent.delete(`/account/sessions/${own}`).set('Accept', JSON_TYPE)).status).toBe(401);
      expect((await me(agent)).status).toBe(200);
    } finally {
      clock.advance(-301_000);
    }
  });

  it('shows the list as a page with a form per session, and signs the listed browser out by form', async () => {
    const email = uniqueEmail('sessions-page');
    const agent = await signIn(a, email, FIREFOX);
    const page = await agent.get('/account/sessions');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Firefox on Linux');
    expect(page.text).toContain('This browser');
    const action = /action="(\/account\/sessions\/[\w-]+\/end)"/.exec(page.text)![1];
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const ended = await agent
      .post(action)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}`);
    expect(ended.status).toBe(303);
    expect((await me(agent)).status).toBe(401);
  });

  it('is for signed-in sessions only', async () => {
    expect((await list(a.agent())).status).toBe(401);
  });
});
