import type { Request } from 'express';
import session, { type Session, type SessionData } from 'express-session';

/** Key of a {@link LeanSession}'s hand-over to express-session. */
const WRITE_PATH = Symbol('write path');

/** express-session's `Session`, whose constructor its types mark private. */
const SessionBase = session.Session as unknown as new (req: Request, data: SessionData) => Session;

/**
 * The session of a request whose record `SessionMiddleware` read by itself: express-session's own
 * `Session` (same data, same methods, same store), except that a call that writes or reloads first
 * hands the request to express-session (`upgrade`), which from then on does for it all it does for
 * any request: the save at the end when the data changed, the cookie of a new id.
 */
export class LeanSession extends SessionBase {
  /** Hands the request to express-session; undefined once it has. */
  declare [WRITE_PATH]: (() => void) | undefined;

  constructor(req: Request, data: SessionData, upgrade: () => void) {
    super(req, data);
    // A symbol key: never serialized, hashed or copied into the record.
    this[WRITE_PATH] = upgrade;
  }

  override save(callback?: (err: unknown) => void): this {
    // Once upgraded, express-session has wrapped `save` on this object (to note what it saved): go through it.
    return upgrade(this) ? this.save(callback) : super.save(callback);
  }

  override regenerate(callback: (err: unknown) => void): this {
    upgrade(this);
    return super.regenerate(callback);
  }

  override reload(callback: (err: unknown) => void): this {
    return upgrade(this) ? this.reload(callback) : super.reload(callback);
  }
}

/** True once express-session manages the request of `s` (see {@link LeanSession}). */
export function isUpgraded(s: LeanSession): boolean {
  return s[WRITE_PATH] === undefined;
}

/** Hands the request of `s` to express-session; true when this call did it, false when it was done. */
export function upgrade(s: LeanSession): boolean {
  const handOver = s[WRITE_PATH];
  if (!handOver) return false;
  s[WRITE_PATH] = undefined;
  handOver();
  return true;
}
