import pg from 'pg';
import { StoreUnavailableError } from '../redis/index.js';

/**
 * SQLSTATE classes that mean "the server cannot serve now", not "this query is wrong":
 * 08 connection exception, 53 insufficient resources, 57P01-57P05 shutdown/crash/cannot connect,
 * 57014 query cancelled (statement_timeout).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0|57014)/;

/**
 * True when `err` says the database could not answer: a refused, dropped or timed-out connection,
 * an exhausted pool, or a server-side SQLSTATE of {@link UNAVAILABLE_SQLSTATE}. False for errors in
 * the query or the data (constraint, syntax, types), which are bugs to surface as they are.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return UNAVAILABLE_SQLSTATE.test(err.code ?? '');
  // Everything else node-postgres and the pool throw is about the connection ("Connection
  // terminated", "timeout exceeded when trying to connect", "Query read timeout", ECONNREFUSED...).
  return err instanceof Error && !(err instanceof TypeError || err instanceof RangeError);
}

/**
 * Runs a store's database call and turns an outage into {@link StoreUnavailableError}, which the
 * HTTP layer answers with 503 `unavailable`, exactly as for Redis.
 */
export async function databaseCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw isDatabaseUnavailable(err) ? new StoreUnavailableError(err) : err;
  }
}
