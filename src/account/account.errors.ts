/** New recovery codes were asked for by an account without an authenticator app (409). */
export class NoAuthenticatorError extends Error {
  override name = 'NoAuthenticatorError';
  constructor() {
    super('Add an authenticator app first: recovery codes stand in for it');
  }
}
