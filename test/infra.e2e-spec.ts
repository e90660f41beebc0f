import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config/app.config.js';
import { generateKeyRing } from '../src/crypto/index.js';
import { createTestApp, type TestApp } from './support/app.js';
import { flushKeys, freePort, startRedisServer, testRedisUrl, type RedisProcess } from './support/redis.js';
import { extractCode, TestSmtpServer } from './support/smtp.js';

/** Connects without retries, so a refused connection rejects instead of reconnecting forever. */
async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

describe('extractCode', () => {
  it.each([
    ['Your code is 123456.', '123456'],
    ['Code: 123 456', '123456'],
    ['Code:\n123-456\nThanks', '123456'],
    ['Order 1234567, code 654321', '654321'],
    ['ref abc123456 then 111222', '111222'],
    ['call 123 456 789', undefined],
    ['no code here', undefined],
  ])('%j -> %s', (text, code) => {
    expect(extractCode(text)).toBe(code);
  });

  it('supports other lengths', () => {
    expect(extractCode('pin 1234 or 12345678', 8)).toBe('12345678');
    expect(extractCode('pin 1234-5678', 8)).toBe('12345678');
    expect(extractCode('pin 1234 or 12345678', 4)).toBe('1234');
  });
});

describe('TestSmtpServer', () => {
  const smtp = new TestSmtpServer();
  let transport: ReturnType<typeof nodemailer.createTransport>;
  const send = (to: string, subject: string, text: string, html?: string) =>
    transport.sendMail({ from: 'MFA App <no-reply@example.test>', to, subject, text, html });

  beforeAll(async () => {
    await smtp.start();
    transport = nodemailer.createTransport(smtp.url);
  });
  afterAll(async () => {
    transport?.close();
    await smtp.stop();
  });

  it('exposes an smtp:// URL with credentials', () => {
    expect(smtp.url).toMatch(/^smtp:\/\/user:pass@127\.0\.0\.1:\d+$/);
  });

  it('receives, authenticates and parses a text + html mail', async () => {
    const since = Date.now();
    const info = await send(
      'Alice@Example.TEST',
      'Your sign-in code',
      'Hello Alice,\nyour code is 482 913.\nIt expires in 10 minutes.',
      '<p>Hello Alice,</p><p>your code is <b>482 913</b>.</p>',
    );
    expect(info.accepted).toHaveLength(1);
    const mail = await smtp.waitForMail('alice@example.test', { since });
    expect(mail.to).toEqual(['alice@example.test']);
    expect(mail.from).toContain('no-reply@example.test');
    expect(mail.subject).toBe('Your sign-in code');
    expect(mail.text).toContain('your code is 482 913.');
    expect(mail.html).toContain('<b>482 913</b>');
    expect(mail.code).toBe('482913');
    expect(mail.receivedAt).toBeGreaterThanOrEqual(since);
    expect(smtp.mailsTo('ALICE@example.test')).toContain(mail);
  });

  it('waits for a mail that arrives later and returns each mail once by default', async () => {
    const waiting = smtp.waitForMail('bob@example.test');
    await send('bob@example.test', 'first', 'code 111111');
    expect((await waiting).code).toBe('111111');
    await send('bob@example.test', 'second', 'code 222-222');
    expect((await smtp.waitForMail('bob@example.test')).subject).toBe('second');
    await expect(smtp.waitForMail('bob@example.test', { timeoutMs: 200 })).rejects.toThrow(
      /No mail to bob@example\.test within 200 ms/,
    );
    expect(smtp.mailsTo('bob@example.test').map((m) => m.code)).toEqual(['111111', '222222']);
  });

  it('clear() forgets received mails', async () => {
    await send('carol@example.test', 'x', 'no code');
    await smtp.waitForMail('carol@example.test');
    smtp.clear();
    expect(smtp.mails).toHaveLength(0);
    expect(smtp.mailsTo('carol@example.test')).toEqual([]);
  });
});

describe('Redis helpers', () => {
  it('testRedisUrl() points at a Redis answering PING', async () => {
    const client = await connect(testRedisUrl());
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.destroy();
    }
  });

  it('flushKeys() deletes only the keys matching the pattern', async () => {
    const url = testRedisUrl();
    const prefix = `test:infra:${process.pid}:${Date.now()}`;
    const client = await connect(url);
    try {
      await client.mSet({ [`${prefix}:a:1`]: '1', [`${prefix}:a:2`]: '2', [`${prefix}:b:1`]: '3' });
      expect(await flushKeys(url, `${prefix}:a:*`)).toBe(2);
      expect(await client.exists([`${prefix}:a:1`, `${prefix}:a:2`, `${prefix}:b:1`])).toBe(1);
      await flushKeys(url, `${prefix}:*`);
      expect(await client.exists(`${prefix}:b:1`)).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('freePort() returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(port, '127.0.0.1', resolve));
    expect((srv.address() as net.AddressInfo).port).toBe(port);
    await new Promise((r) => srv.close(r));
  });

  describe('startRedisServer()', () => {
    let redis: RedisProcess;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis?.stop());

    it('can be stopped and started again on the same port', async () => {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      const c1 = await connect(redis.url);
      expect(await c1.ping()).toBe('PONG');
      c1.destroy();

      await redis.stop();
      await expect(connect(redis.url)).rejects.toThrow(/ECONNREFUSED/);

      await redis.start();
      const c2 = await connect(redis.url);
      expect(await c2.ping()).toBe('PONG');
      c2.destroy();
    });

    it('persistent: keeps every write it answered across a SIGKILL and a start; by default, none', async () => {
      const persistent = await startRedisServer([], { persistent: true });
      try {
        for (const [server, kept] of [
          [persistent, 1],
          [redis, 0],
        ] as const) {
          const before = await connect(server.url);
          await before.set('infra:kept', 'yes');
          before.destroy();
          await server.stop();
          await server.start();
          const after = await connect(server.url);
          expect(await after.exists('infra:kept'), server === redis ? 'default' : 'persistent').toBe(kept);
          after.destroy();
        }
      } finally {
        await persistent.remove();
      }
    });
  });
});

/**
 * The container files, read as text (no Docker engine here): the Dockerfile's stages, user and
 * health check (run for real against a listening app), and docker-compose.yml's services, each
 * app service's environment checked by the app's own config validation after compose's `${...}`
 * interpolation.
 */
describe('Dockerfile and docker-compose.yml', () => {
  const ROOT = new URL('../', import.meta.url);
  const read = (file: string) => readFileSync(new URL(file, ROOT), 'utf8');

  /** The Dockerfile's instructions (continuations joined, comments dropped), by stage. */
  function dockerStages(): { name: string; from: string; lines: string[] }[] {
    const lines = read('Dockerfile')
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const stages: { name: string; from: string; lines: string[] }[] = [];
    for (const line of lines) {
      const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
      if (from) stages.push({ from: from[1], name: from[2] ?? '', lines: [] });
      else stages.at(-1)?.lines.push(line);
    }
    return stages;
  }

  /** compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR:?message}` (throws), `$$`. */
  function interpolate(value: string, vars: Record<string, string>): string {
    return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (all, name?: string, op?: string, arg?: string) => {
      if (all === '$$') return '$';
      const v = vars[name!];
      if (v) return v;
      if (op === '?') throw new Error(`${name}: ${arg}`);
      return op === '-' ? arg! : '';
    });
  }

  type Service = {
    build?: string;
    image?: string;
    command?: string[];
    entrypoint?: string[];
    environment?: Record<string, string>;
    profiles?: string[];
    ports?: string[];
    volumes?: string[];
    healthcheck?: { disable?: boolean };
    depends_on?: Record<string, { condition: string }>;
  };
  const compose = () => parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };

  it('Dockerfile: deps with npm ci, a build, production dependencies, and a runtime as a non-root user', () => {
    const stages = dockerStages();
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
    const [deps, build, prod, runtime] = stages;
    expect(deps.lines).toContainEqual(expect.stringMatching(/^RUN npm ci\b/));
    expect(build.from).toBe('deps');
    expect(build.lines).toContain('RUN npm run build');
    expect(prod.lines).toContainEqual(expect.stringMatching(/^RUN npm ci .*--omit=dev/));
    // The runtime has no compiler, no dev dependencies and no sources but the password list.
    expect(runtime.lines).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
    expect(runtime.lines).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime.lines.filter((l) => /^RUN npm/.test(l))).toEqual([]);
    const users = runtime.lines.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    expect(runtime.lines.at(-1)).toBe('CMD ["node", "dist/main.js"]');
  });

  it('Dockerfile: the runtime holds what package.json ships (views, assets, the password list), not the docs', () => {
    const runtime = dockerStages().at(-1)!;
    const copied = runtime.lines.flatMap((l) => /^COPY (?!--from)(\S+) /.exec(l)?.[1] ?? []);
    const files = (JSON.parse(read('package.json')) as { files: string[] }).files;
    const runtimeFiles = files.filter((f) => f !== 'dist' && !f.endsWith('.md'));
    expect(copied.sort()).toEqual(['package.json', ...runtimeFiles].sort());
    // The entry points the compose file and the README name are built from these sources.
    for (const entry of ['src/main.ts', 'src/worker.ts', 'src/admin/admin.cli.ts']) {
      expect(existsSync(new URL(entry, ROOT)), entry).toBe(true);
    }
    const ignored = read('.dockerignore').split('\n');
    for (const dir of ['node_modules', 'dist', '.git', '.env']) expect(ignored).toContain(dir);
  });

  describe('the HEALTHCHECK, run as Docker runs it', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await createTestApp();
      port = await freePort();
      await t.app.listen(port, '127.0.0.1');
    });
    afterAll(() => t?.close());

    it('uses node (no curl in a slim image) on /health/ready: 0 when ready, 1 when nothing answers', async () => {
      const healthcheck = dockerStages()
        .at(-1)!
        .lines.find((l) => l.startsWith('HEALTHCHECK '));
      const cmd = JSON.parse(/ CMD (\[.*\])$/.exec(healthcheck ?? '')?.[1] ?? 'null') as string[] | null;
      expect(cmd?.slice(0, 2)).toEqual(['node', '-e']);
      expect(cmd?.[2]).toContain('/health/ready');
      const run = (p: number) =>
        new Promise<number | null>((resolve) =>
          execFile(process.execPath, cmd!.slice(1), { env: { PORT: String(p) } }, (err) =>
            resolve(err ? ((err as { code?: number }).code ?? null) : 0),
          ),
        );
      expect(await run(port)).toBe(0);
      expect(await run(await freePort())).toBe(1);
    });
  });

  it('docker-compose.yml: the server, a worker, Redis with an append-only file, and Mailpit', () => {
    const { services } = compose();
    const { server, worker, redis, mailpit } = services;
    expect(server.build).toBe('.');
    expect(worker.image).toBe(server.image);
    expect(worker.command).toEqual(['node', 'dist/worker.js']);
    expect(worker.healthcheck).toEqual({ disable: true });
    expect(server.environment).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      SMTP_URL: 'smtp://mailpit:1025',
      MAIL_WORKER: 'off',
    });
    expect(worker.environment?.REDIS_URL).toBe(server.environment?.REDIS_URL);
    expect(redis.image).toMatch(/^redis:7\b/);
    expect(redis.command?.join(' ')).toContain('--appendonly yes');
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(mailpit.image).toMatch(/^axllent\/mailpit\b/);
    expect(mailpit.ports).toContain('8025:8025');
    for (const s of [server, worker, redis, mailpit]) expect(s.profiles).toBeUndefined();
  });

  it('docker-compose.yml: a cluster profile of 3 primaries, joined once, and a server on REDIS_CLUSTER_NODES', () => {
    const { services } = compose();
    const inProfile = Object.entries(services).filter(([, s]) => s.profiles?.includes('cluster'));
    const nodes = inProfile.filter(([, s]) => s.command?.join(' ').includes('--cluster-enabled yes'));
    expect(nodes.map(([name]) => name)).toEqual(['redis-node-1', 'redis-node-2', 'redis-node-3']);
    for (const [, node] of nodes) expect(node.command?.join(' ')).toContain('--appendonly yes');
    expect(new Set(nodes.map(([, n]) => n.volumes?.[0])).size).toBe(3);

    const init = services['cluster-init'];
    expect(init.profiles).toEqual(['cluster']);
    const script = init.entrypoint?.join(' ') ?? '';
    expect(script).toContain('redis-cli --cluster create');
    expect(script).toContain('--cluster-replicas 0');
    for (const [name] of nodes) expect(script).toContain(name);

    const server = services['server-cluster'];
    expect(server.profiles).toEqual(['cluster']);
    expect(server.depends_on?.['cluster-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(server.environment?.REDIS_URL).toBeUndefined();
    expect(server.environment?.REDIS_CLUSTER_NODES?.split(',')).toEqual(nodes.map(([name]) => `redis://${name}:6379`));
  });

  it("docker-compose.yml: every app service's environment passes the app's config validation, and needs the secrets", () => {
    const { services } = compose();
    const secrets = {
      SESSION_SECRET: 'a'.repeat(40),
      OTP_SECRET: 'b'.repeat(40),
      MFA_ENCRYPTION_KEY: generateKeyRing(),
    };
    const known = new Set(
      [...read('src/config/env.schema.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]*)\??:/gm)].map((m) => m[1]),
    );
    const apps = Object.entries(services).filter(([, s]) => s.image === services.server.image);
    expect(apps.map(([name]) => name).sort()).toEqual(['server', 'server-cluster', 'worker']);
    for (const [name, s] of apps) {
      const env = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), secrets)]),
      );
      for (const key of Object.keys(env)) expect(known, `${name}: ${key}`).toContain(key);
      const config = loadConfig(env);
      expect(config.env, name).toBe('production');
      expect(config.redisUrl ?? config.redisClusterNodes, name).toBeTruthy();
      expect(config.smtpUrl, name).toBe('smtp://mailpit:1025');
      // Without the secrets compose stops with the variable's name.
      expect(() => interpolate(String(s.environment?.OTP_SECRET), {}), name).toThrow(/^OTP_SECRET: set OTP_SECRET/);
    }
  });
});
