/** An authenticator app was set up for an account that has one (409): remove it first. */
export class TotpAlreadyEnabledError extends Error {
  override name = 'TotpAlreadyEnabledError';
  constructor() {
    super('An authenticator app is already on: remove it first');
  }
}

/** New recovery codes were asked for by an account without an authenticator app (409). */
export class NoAuthenticatorError extends Error {
  override name = 'NoAuthenticatorError';
  constructor() {
    super('Add an authenticator app first: recovery codes stand in for it');
  }
}
