/** Redis could not answer in time; the HTTP layer turns it into 503 `unavailable`. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(cause?: unknown) {
    super('The data store is unavailable', { cause });
  }
}

/** Runs a Redis call and turns any connection-level failure into {@link StoreUnavailableError}. */
export async function redisCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StoreUnavailableError(err);
  }
}
