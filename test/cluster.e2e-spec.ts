import type { Response } from 'supertest';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotTag } from '../src/otp/redis-otp.store.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type RedisClusterProcess, startRedisCluster } from './support/redis.js';
import { sessionCookie, sessionId } from './support/session.js';

// The server on a Redis Cluster of its own (3 primaries, 3 replicas on loopback ports): sign-ins in
// both modes, sessions, codes and the mail queue work, and a failover of a primary mid-sign-in and a
// resharding of the slots an account and a session use are survived: 503 while they last, never a
// wrong answer.

type Cluster = ReturnType<typeof createCluster>;

describe('Redis Cluster', { timeout: 120_000 }, () => {
  let cluster: RedisClusterProcess;
  let t: TestApp;
  let inspect: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    t = await createTestApp({
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      AUTH_FIRST_FACTOR: 'email',
    });
    inspect = createCluster({ rootNodes: cluster.nodes.map((url) => ({ url })) });
    await inspect.connect();
  }, 120_000);

  afterAll(async () => {
    await inspect?.close().catch(() => undefined);
    await t?.close();
    await cluster?.stop();
  });

  /**
   * Sends a request until it answers other than 503 (at most `tries`, 250 ms apart): until the client
   * follows a moved slot a request may answer 503, and change nothing; never any other status.
   */
  async function throughRedirections(send: () => Promise<Response>, tries = 20): Promise<Response> {
    const statuses: number[] = [];
    let res!: Response;
    for (let i = 0; i < tries; i++) {
      res = await send();
      statuses.push(res.status);
      if (res.status !== 503) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(
      statuses.every((s) => s === 503 || s === 200),
      statuses.join(','),
    ).toBe(true);
    return res;
  }

  /** A fresh inspecting client, with the cluster's slot map as it is now. */
  async function reconnectInspect(): Promise<void> {
    await inspect.close();
    inspect = createCluster({ rootNodes: cluster.nodes.map((url) => ({ url })) });
    await inspect.connect();
  }

  /** The port of the primary that serves `key`'s slot now. */
  async function primaryOf(key: string): Promise<number> {
    const client = inspect.getSlotMaster(Number(await inspect.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key])));
    return client.port;
  }

  it('signs up and in with the emailed code; every key of one account’s codes lives in one slot', async () => {
    const email = uniqueEmail('cluster');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body.status).toBe('code_sent');
    const verify = await agent.post('/verify').send({ code: await t.codeFor(email) });
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    const me = await agent.get('/me').set('Accept', 'application/json');
    expect(me.body).toMatchObject({ email, factors: ['email_otp'] });

    // The lock, failures and sends of the account share its slot tag.
    const tag = slotTag(email);
    const slots = await Promise.all(
      ['l', 'f', 's'].map((k) => inspect.sendCommand(tag, true, ['CLUSTER', 'KEYSLOT', `otp:{${tag}}${k}:${email}`])),
    );
    expect(new Set(slots).size).toBe(1);
    expect(await inspect.exists(`otp:{${tag}}s:${email}`)).toBe(1);

    // Sign out ends it (the session key deleted on its node).
    expect((await agent.post('/logout').set('Accept', 'application/json').send({})).status).toBe(204);
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
  });

  it('survives a resharding: the slots of the account’s codes and of its session move to another primary, mid sign-in and signed in', async () => {
    const email = uniqueEmail('reshard');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).body.status).toBe('code_sent');
    const code = await t.codeFor(email);
    const otpKey = `otp:{${slotTag(email)}}s:${email}`;
    const slotOf = async (key: string) => Number(await inspect.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
    const elsewhere = async (key: string) => {
      const now = await primaryOf(key);
      return cluster.primaries.find((p) => p !== now) ?? now;
    };

    // The codes' slot moves between POST /auth and POST /verify.
    const otpSlot = await slotOf(otpKey);
    const otpTarget = await elsewhere(otpKey);
    await cluster.moveSlot(otpSlot, otpTarget);
    await reconnectInspect();
    expect(await primaryOf(otpKey)).toBe(otpTarget);
    const verify = await throughRedirections(() => agent.post('/verify').send({ code }));
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(await inspect.exists(otpKey)).toBe(1); // the send history moved with its slot

    // Then the session's slot moves while signed in: the next requests follow it.
    const sessionKey = `sess:${sessionId(sessionCookie(verify))}`;
    expect(await inspect.exists(sessionKey)).toBe(1);
    const sessionTarget = await elsewhere(sessionKey);
    await cluster.moveSlot(await slotOf(sessionKey), sessionTarget);
    await reconnectInspect();
    expect(await primaryOf(sessionKey)).toBe(sessionTarget);
    const me = await throughRedirections(() => agent.get('/me').set('Accept', 'application/json'));
    expect(me.body).toMatchObject({ email });
    expect((await agent.post('/logout').set('Accept', 'application/json').send({})).status).toBe(204);
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
  });

  it('survives a failover of the primary holding the account’s keys in the middle of a sign-in', async () => {
    const email = uniqueEmail('failover');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).body.status).toBe('code_sent');
    const code = await t.codeFor(email);

    await cluster.failover(await primaryOf(`otp:{${slotTag(email)}}s:${email}`));

    // Until the client follows the new primary a step may answer 503 (and change nothing); the
    // same code then works, exactly once.
    const { body } = await throughRedirections(() => agent.post('/verify').send({ code }), 40);
    expect(body).toEqual({ status: 'authenticated', next: '/home' });
    const again = await t.agent().post('/auth').send({ email });
    expect([200, 429]).toContain(again.status);
    expect((await agent.get('/me').set('Accept', 'application/json')).body).toMatchObject({ email });
  });
});
