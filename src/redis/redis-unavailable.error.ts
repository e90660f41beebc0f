import { channel } from 'node:diagnostics_channel';

/**
 * Name of the `node:diagnostics_channel` channel on which every failed Redis call made through
 * {@link redisCall} or {@link withDeadline} is published, as {@link RedisFailure}. Free while
 * nobody subscribes (the metrics do).
 */
export const REDIS_FAILURE_CHANNEL = 'nest-mfa-signin:redis-failure';

/** What {@link REDIS_FAILURE_CHANNEL} publishes: `timeout` (no answer within the deadline) or `command` (it failed). */
export interface RedisFailure {
  kind: 'command' | 'timeout';
}

const failures = channel(REDIS_FAILURE_CHANNEL);

function publish(kind: RedisFailure['kind']): void {
  if (failures.hasSubscribers) failures.publish({ kind } satisfies RedisFailure);
}

/** Redis could not answer in time; the HTTP layer turns it into 503 `unavailable`. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(cause?: unknown) {
    super('The data store is unavailable', { cause });
  }
}

/**
 * How long any Redis call may take before the caller gives up. node-redis' own command timeout
 * only covers commands still queued, not ones already written to a socket that went silent
 * (a frozen server, a network black hole), so every call also gets this deadline.
 */
export const REDIS_DEADLINE_MS = 1500;

/** Settles like `promise`, or rejects with {@link StoreUnavailableError} after `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms = REDIS_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      publish('timeout');
      reject(new StoreUnavailableError(new Error(`no answer within ${ms} ms`)));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Runs a Redis call under the deadline and turns any failure into {@link StoreUnavailableError}. */
export async function redisCall<T>(fn: () => Promise<T>, ms = REDIS_DEADLINE_MS): Promise<T> {
  try {
    return await withDeadline(fn(), ms);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw err;
    publish('command');
    throw new StoreUnavailableError(err);
  }
}
