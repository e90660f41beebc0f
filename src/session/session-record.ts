import type { SessionFields } from './session-fields.js';

/** True for a plain JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** True for a finite, non-negative number (an epoch ms or a count). */
export const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
/** True for an array of strings. */
export const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * True for a session in use: one that got data (`SessionHandle.init` sets `createdAt`), so it has a
 * record in the store; a visitor's blank session (express-session makes one per request) has not.
 */
export function isInUse(session: { createdAt?: unknown } | null | undefined): boolean {
  return typeof session?.createdAt === 'number';
}

/**
 * True when a value read from the session store is a record this server wrote: a JSON object with
 * a numeric `createdAt` (and `seenAt`, when present), whose registered fields (see
 * {@link SessionFields}) all have their shape. Anything else (another app's record under the same
 * prefix, an older format, a hand-edited or truncated value) is "no session", never an error.
 */
export function isSessionRecord(v: unknown, fields?: SessionFields): boolean {
  if (!isObject(v) || !isTime(v.createdAt)) return false;
  if (v.seenAt !== undefined && !isTime(v.seenAt)) return false;
  return fields ? fields.accept(v) : true;
}
