/** An authenticator app was set up for an account that has one (409): remove it first. */
export class TotpAlreadyEnabledError extends Error {
  override name = 'TotpAlreadyEnabledError';
  constructor() {
    super('An authenticator app is already on: remove it first');
  }
}

/** `DELETE /account/sessions/:id` for an id that is not a live session of the account (404). */
export class SessionNotFoundError extends Error {
  override name = 'SessionNotFoundError';
  constructor() {
    super('There is no such session');
  }
}

/** New recovery codes were asked for by an account without an authenticator app or a passkey (409). */
export class NoAuthenticatorError extends Error {
  override name = 'NoAuthenticatorError';
  constructor() {
    super('Add an authenticator app or a passkey first: recovery codes stand in for them');
  }
}

/** A "this wasn't me" link that is used, expired or unknown (410 `link_expired`): the same answer for each. */
export class NotMeLinkError extends Error {
  override name = 'NotMeLinkError';
  constructor() {
    super('This link is no longer valid; sign in to review your account');
  }
}
