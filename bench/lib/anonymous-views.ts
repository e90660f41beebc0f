import { BenchClient } from './http-client.js';
import { RedisMonitor } from './redis-monitor.js';
import type { Redis } from './redis-tools.js';

/** What new visitors' page views cost a server's Redis. */
export interface AnonymousViewsResult {
  views: number;
  /** Each path and the status it answered. */
  paths: Record<string, number>;
  /** Commands the server sent to Redis meanwhile (MONITOR; a mail queue's own `bull:` traffic left out). */
  commands: number;
  /** The first few of them, e.g. `SET sess:<id>`. */
  commandSamples: string[];
  /** Keys that exist after the views and did not before (a mail queue's left out). */
  newKeys: number;
  /** Their `MEMORY USAGE`, summed. */
  newKeyBytes: number;
  /** Answers that set the session cookie. */
  sessionCookies: number;
  errors: number;
  errorSamples: string[];
}

/** Keys of the mail queue (BullMQ), whose workers poll Redis whatever the visitors do. */
const isQueueKey = (key: string) => key.startsWith('bull:');

async function serverKeys(redis: Redis): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const batch of redis.scanIterator({ COUNT: 1000 })) {
    for (const k of batch) if (!isQueueKey(k)) keys.add(k);
  }
  return keys;
}

/**
 * `count` page views, each by a new visitor (no cookie), spread over `paths` and `users` connections,
 * while MONITOR records what reaches the server's Redis (one that only this server uses, so every
 * command seen is its). `paths` maps each path to the status it should answer; `sessionCookies`
 * names the cookies that carry the server's session.
 */
export async function anonymousViews(o: {
  port: number;
  redis: Redis;
  redisPort: number;
  paths: Record<string, number>;
  sessionCookies: string[];
  count: number;
  users: number;
}): Promise<AnonymousViewsResult> {
  const before = await serverKeys(o.redis);
  const mon = await RedisMonitor.start(o.redisPort);
  const list = Object.keys(o.paths);
  const isSession = (line: string) => o.sessionCookies.some((name) => line.startsWith(`${name}=`));
  let next = 0;
  let sessionCookies = 0;
  const errorSamples: string[] = [];
  let errors = 0;
  const run = async () => {
    const client = new BenchClient(o.port);
    try {
      while (next < o.count) {
        const path = list[next++ % list.length];
        client.reset();
        const res = await client.get(path);
        if (res.setCookie.some(isSession)) sessionCookies++;
        if (res.status !== o.paths[path]) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(`GET ${path} -> ${res.status}`);
        }
      }
    } finally {
      client.close();
    }
  };
  await Promise.all(Array.from({ length: o.users }, run));
  // MONITOR lines may trail the last answer a little.
  await new Promise((r) => setTimeout(r, 200));
  const cmds = mon.take().filter((c) => !c.lua && !isQueueKey(c.key));
  mon.stop();
  const added = [...(await serverKeys(o.redis))].filter((k) => !before.has(k));
  const sizes = await Promise.all(added.map((k) => o.redis.memoryUsage(k, { SAMPLES: 0 })));
  return {
    views: o.count,
    paths: o.paths,
    commands: cmds.length,
    commandSamples: cmds.slice(0, 5).map((c) => `${c.name} ${c.key}`.trim()),
    newKeys: added.length,
    newKeyBytes: sizes.reduce<number>((s, n) => s + Number(n ?? 0), 0),
    sessionCookies,
    errors,
    errorSamples,
  };
}
