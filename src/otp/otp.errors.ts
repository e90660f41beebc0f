/** The code was wrong; the challenge lives on with `attemptsRemaining` tries. */
export class InvalidCodeError extends Error {
  override name = 'InvalidCodeError';
  constructor(readonly attemptsRemaining: number) {
    super('The code is not correct');
  }
}

/** No live challenge: expired, attempts used up, completed, or never started. */
export class ChallengeExpiredError extends Error {
  override name = 'ChallengeExpiredError';
  /** @param reason why, when known: `expired` (past its deadline) or `attempts` (all used). */
  constructor(readonly reason?: 'expired' | 'attempts') {
    super('There is no pending code; ask for a new one');
  }
}

/** Too many wrong answers for this identifier; nothing is checked until the lock ends. */
export class IdentifierLockedError extends Error {
  override name = 'IdentifierLockedError';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many wrong attempts; try again later');
  }
}

/** The identifier's sending cooldown or caps forbid another code now. */
export class SendRateLimitedError extends Error {
  override name = 'SendRateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super('Please wait before asking for another code');
  }
}
