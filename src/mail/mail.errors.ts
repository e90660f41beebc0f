/**
 * A delivery that failed. `permanent` failures (an SMTP 5xx reply, RFC 5321 §4.2.1: a mailbox that
 * does not exist, a refused address) are never retried; any other failure (a 4xx reply, a timeout,
 * a refused connection) is temporary and retried. A {@link MailSender} throws this to say which;
 * any other error it throws counts as temporary.
 */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a failure that no retry can fix (see {@link MailDeliveryError}). */
export function isPermanentFailure(err: unknown): boolean {
  return err instanceof MailDeliveryError && err.permanent;
}
