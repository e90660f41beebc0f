/** Wrong password or unknown email: the two are never told apart. */
export class InvalidCredentialsError extends Error {
  override name = 'InvalidCredentialsError';
  constructor() {
    super('The email or password is not correct');
  }
}

/** Not signed in (or not with enough factors). `pending` tells pages to go to /verify. */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
  constructor(readonly pending = false) {
    super('Sign in to continue');
  }
}

/** Self-service sign-up is closed (AUTH_SIGNUP=closed). */
export class SignupClosedError extends Error {
  override name = 'SignupClosedError';
  constructor() {
    super('Sign-up is closed');
  }
}

/** A route of the other first-factor mode (e.g. /register in email mode). */
export class RouteDisabledError extends Error {
  override name = 'RouteDisabledError';
  constructor() {
    super('There is nothing here');
  }
}

/**
 * The route needs a higher or fresher sign-in (`@RequireAal`, `@FreshAuth`): 401 `step_up_required`
 * with the factors a step-up would ask for; pages go to `/step-up` and come back.
 */
export class StepUpRequiredError extends Error {
  override name = 'StepUpRequiredError';
  constructor(readonly factors: string[]) {
    super('Confirm it is you to continue');
  }
}

/** `POST /verify/resend` at a step that sends no code (a second factor without the email fallback). */
export class NothingToResendError extends Error {
  override name = 'NothingToResendError';
  constructor() {
    super('This step does not use an emailed code');
  }
}

/**
 * A sign-in link opened in a browser whose session did not start its challenge (409
 * `other_browser`): nothing was checked or consumed; type the code in the first browser instead.
 */
export class OtherBrowserError extends Error {
  override name = 'OtherBrowserError';
  constructor() {
    super('This link works only in the browser where the code was asked for; type the code there instead');
  }
}

/**
 * The owner said "this wasn't me": the password must be reset before the next sign-in (403
 * `password_reset_required`, with `next: "/password/forgot"`).
 */
export class PasswordResetRequiredError extends Error {
  override name = 'PasswordResetRequiredError';
  constructor() {
    super('Reset your password before signing in');
  }
}
