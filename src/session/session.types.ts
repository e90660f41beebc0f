import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** Epoch ms this session id was issued (absolute lifetime). */
    createdAt?: number;
    /** Epoch ms of the last refresh of the idle deadline. */
    seenAt?: number;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when the session store failed for this request; the session is then absent. */
    sessionError?: unknown;
  }
}
