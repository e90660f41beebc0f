const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const absentOr = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

/**
 * True when a value read from the session store is a record this server wrote: a JSON object
 * with a numeric `createdAt`, and every field the server reads of the right type (`seenAt`,
 * `returnTo`, `user`, `pending`). Other keys (a host app's own data) are left alone.
 * Anything else (another app's record under the same prefix, an older format, a hand-edited or
 * truncated value) is "no session", never an error: see `RedisSessionStore`.
 */
export function isSessionRecord(v: unknown): boolean {
  if (!isObject(v) || !isTime(v.createdAt)) return false;
  return (
    absentOr(v.seenAt, isTime) &&
    absentOr(v.returnTo, (r) => typeof r === 'string') &&
    absentOr(v.user, isSessionUser) &&
    absentOr(v.pending, isPendingChallenge)
  );
}

function isSessionUser(u: unknown): boolean {
  return (
    isObject(u) && typeof u.email === 'string' && (u.aal === 1 || u.aal === 2) && isStrings(u.amr) && isTime(u.authTime)
  );
}

function isPendingChallenge(p: unknown): boolean {
  return (
    isObject(p) &&
    typeof p.id === 'string' &&
    typeof p.purpose === 'string' &&
    typeof p.identifier === 'string' &&
    isStrings(p.amr) &&
    absentOr(p.sentAt, isTime)
  );
}
