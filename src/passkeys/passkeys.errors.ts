/**
 * A passkey answer that does not sign in (401 `invalid_passkey`): an unknown credential, a wrong
 * signature, origin or relying party, a spent or foreign challenge, a counter that did not move
 * forward. Every one gives the same answer, so none tells whether a credential exists.
 */
export class InvalidPasskeyError extends Error {
  override name = 'InvalidPasskeyError';
  /**
   * @param attemptsRemaining at a second-factor step, the attempts its challenge has left.
   */
  constructor(readonly attemptsRemaining?: number) {
    super('The passkey could not be verified');
  }
}

/** Adding a passkey beyond the account's limit (409 `passkey_limit`). */
export class PasskeyLimitError extends Error {
  override name = 'PasskeyLimitError';
  constructor(readonly limit: number) {
    super(`An account can have ${limit} passkeys: remove one first`);
  }
}

/** Renaming or removing a passkey the account does not have (404 `not_found`). */
export class PasskeyNotFoundError extends Error {
  override name = 'PasskeyNotFoundError';
  constructor() {
    super('There is no such passkey');
  }
}

/**
 * A new passkey that cannot be added (400 `invalid_passkey`): a response to no creation options of
 * this session (or to spent ones), a wrong origin or relying party, a malformed attestation, or a
 * credential already registered.
 */
export class PasskeyRegistrationError extends Error {
  override name = 'PasskeyRegistrationError';
  constructor(message = 'The new passkey could not be verified; start again') {
    super(message);
  }
}
