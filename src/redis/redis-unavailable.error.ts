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
    timer = setTimeout(() => reject(new StoreUnavailableError(new Error(`no answer within ${ms} ms`))), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Runs a Redis call under the deadline and turns any failure into {@link StoreUnavailableError}. */
export async function redisCall<T>(fn: () => Promise<T>, ms = REDIS_DEADLINE_MS): Promise<T> {
  try {
    return await withDeadline(fn(), ms);
  } catch (err) {
    throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(err);
  }
}
