import { MemoryStore, type SessionData } from 'express-session';
import type { SessionFields } from './session-fields.js';
import type { SessionIndex } from './session-index.js';

/**
 * express-session's MemoryStore (development without Redis) that also keeps each owner's sessions
 * in a {@link SessionIndex}, like `RedisSessionStore` does on Redis.
 */
export class IndexedMemoryStore extends MemoryStore {
  constructor(
    protected readonly fields: SessionFields,
    protected readonly index: SessionIndex,
    protected readonly absoluteEnd: (sess: SessionData) => number,
  ) {
    super();
  }

  override set(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const owner = this.fields.ownerOf(sess);
    super.set(sid, sess, (err?: unknown) => {
      if (err || !owner) return callback?.(err);
      this.index.add(owner, sid, this.absoluteEnd(sess)).then(
        () => callback?.(),
        (e: unknown) => callback?.(e),
      );
    });
  }
}
