import 'express-session';

/** A signed-in person, as the session records them. */
export interface SessionUser {
  email: string;
  /** Authenticator assurance level: 1 one factor, 2 two factors. */
  aal: 1 | 2;
  /** Methods passed (RFC 8176): `pwd`, `otp`. */
  amr: string[];
  /** Epoch ms of the sign-in. */
  authTime: number;
}

/** The challenge this session waits on, and the factors it has already passed. */
export interface PendingChallenge {
  id: string;
  purpose: string;
  identifier: string;
  amr: string[];
  /** Epoch ms of the last code sent, for the page's resend countdown. */
  sentAt?: number;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    pending?: PendingChallenge;
    /** Where to go after signing in (a local path). */
    returnTo?: string;
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
