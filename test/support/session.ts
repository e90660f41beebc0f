import { expect } from 'vitest';
import type request from 'supertest';
import { connectTestRedis } from './redis.js';

/** `sid=<value>` from a response that set the session cookie. */
export function sessionCookie(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const sid = cookies.find((c) => c.startsWith('sid='));
  if (!sid) throw new Error(`No session cookie in ${JSON.stringify(cookies)}`);
  return sid.split(';')[0];
}

/** The value of cookie `name` a response set, or undefined. */
export function cookieValue(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return ([] as string[])
    .concat((res.headers['set-cookie'] as string[] | string | undefined) ?? [])
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    .slice(name.length + 1);
}

/** The session id inside a `sid=s%3A<id>.<signature>` cookie. */
export function sessionId(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  expect(value.startsWith('s:')).toBe(true);
  return value.slice(2, value.lastIndexOf('.'));
}

/** EXISTS on the test Redis, or on the Redis Cluster in the `cluster` project (1 or 0). */
export async function redisExists(key: string): Promise<number> {
  const redis = await connectTestRedis();
  try {
    return await redis.exists(key);
  } finally {
    redis.destroy();
  }
}
