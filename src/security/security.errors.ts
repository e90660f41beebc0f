/** Cross-site request, or a form without a valid `_csrf` token. */
export class ForbiddenRequestError extends Error {
  override name = 'ForbiddenRequestError';
  constructor(
    readonly code: 'cross_site_request' | 'csrf_invalid',
    message: string,
  ) {
    super(message);
  }
}

/** Too many requests from one client address. */
export class ClientRateLimitedError extends Error {
  override name = 'ClientRateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests; slow down');
  }
}
