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

/** New recovery codes were asked for by an account without an authenticator app (409). */
export class NoAuthenticatorError extends Error {
  override name = 'NoAuthenticatorError';
  constructor() {
    super('Add an authenticator app first: recovery codes stand in for it');
  }
}
