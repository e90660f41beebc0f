import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  type ExamplesObject,
  getSchemaPath,
  type SchemaObject,
} from '@nestjs/swagger';

// OpenAPI descriptions of the JSON contract, shared by the controllers: the schemas of the answers
// and of the error bodies, and `ApiErrors(...)`, which documents a route's failures from one
// catalogue of the codes `AppExceptionFilter` answers. Purely descriptive: nothing here runs on a
// request. The schemas are checked against the services' answer types in `src/openapi.ts` (this
// folder depends on no feature), so a changed answer fails the type check until its description
// follows.

// ---------------------------------------------------------------------------------------------
// Error bodies: `{error, message, ...}`, never a stack trace.

const errorCode = (codes: string[], example: string) =>
  ApiProperty({ description: 'Machine-readable error code', type: 'string', enum: codes, example });
const errorMessage = (example: string) =>
  ApiProperty({ description: 'A sentence for people (English); do not parse it', type: 'string', example });

/** An error answer: `{error, message}`. Some codes add a field (see the other error schemas). */
export class ErrorBody {
  @ApiProperty({ description: 'Machine-readable error code', type: 'string', example: 'challenge_expired' })
  error: string;

  @errorMessage('There is no pending code; ask for a new one')
  message: string;
}

/** One field's problems in a 400 `validation_failed`. */
export class FieldProblems {
  @ApiProperty({ description: 'The field (a dotted path), or `body` for the body as a whole', example: 'email' })
  field: string;

  @ApiProperty({ type: [String], example: ['email must be an email address'] })
  problems: string[];
}

/** 400 `validation_failed`: what is wrong with each field. */
export class ValidationFailedBody {
  @errorCode(['validation_failed'], 'validation_failed')
  error: string;

  @errorMessage('Some fields are not valid')
  message: string;

  @ApiProperty({ type: [FieldProblems] })
  details: FieldProblems[];
}

/** 401 `invalid_code` at `POST /verify`: the answer was wrong; the challenge takes `attemptsRemaining` more. */
export class InvalidCodeBody {
  @errorCode(['invalid_code'], 'invalid_code')
  error: string;

  @errorMessage('The code is not correct')
  message: string;

  @ApiProperty({
    description: 'Wrong answers the challenge still takes; after 0 it is gone (410 `challenge_expired`)',
    type: 'integer',
    minimum: 0,
    example: 3,
  })
  attemptsRemaining: number;
}

/** 429 `locked` or `rate_limited`, with the same wait in the `Retry-After` header. */
export class RetryAfterBody {
  @errorCode(['locked', 'rate_limited'], 'rate_limited')
  error: string;

  @errorMessage('Please wait before asking for another code')
  message: string;

  @ApiProperty({
    description: 'Seconds to wait, as in the `Retry-After` header',
    type: 'integer',
    minimum: 1,
    example: 42,
  })
  retryAfter: number;
}

/** 401 `step_up_required`: the route needs a recent (or stronger) sign-in; `POST /step-up`, then `POST /verify`. */
export class StepUpRequiredBody {
  @errorCode(['step_up_required'], 'step_up_required')
  error: string;

  @errorMessage('Confirm it is you to continue')
  message: string;

  @ApiProperty({
    description: 'The factors a step-up would ask for',
    type: [String],
    example: ['totp', 'recovery_code'],
  })
  factors: string[];
}

interface ErrorDoc {
  status: number;
  schema: Type<unknown>;
  /** When the route answers it (Markdown). */
  when: string;
  example: { error: string; message: string; [k: string]: unknown };
}

const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
};

/**
 * Every error the JSON API answers, by name: its status, body schema, when it happens and an
 * example. A name is the `error` code, or `<code>:<variant>` where one code has two bodies.
 */
const ERRORS = {
  validation_failed: {
    status: 400,
    schema: ValidationFailedBody,
    when: 'a field is missing, of the wrong type (`null` included) or not valid; a field the route does not take; a repeated field; a body that is not an object',
    example: {
      error: 'validation_failed',
      message: 'Some fields are not valid',
      details: [{ field: 'email', problems: ['email must be an email address'] }],
    },
  },
  bad_request: {
    status: 400,
    schema: ErrorBody,
    when: 'a body that is not valid UTF-8 or not well-formed JSON',
    example: { error: 'bad_request', message: 'The request body could not be read: it is not valid JSON' },
  },
  invalid_credentials: {
    status: 401,
    schema: ErrorBody,
    when: 'a wrong password or an unknown email (never told apart)',
    example: { error: 'invalid_credentials', message: 'The email or password is not correct' },
  },
  invalid_code: {
    status: 401,
    schema: InvalidCodeBody,
    when: 'a wrong code or recovery code; `attemptsRemaining` counts down over the challenge',
    example: { error: 'invalid_code', message: 'The code is not correct', attemptsRemaining: 3 },
  },
  'invalid_code:totp': {
    status: 401,
    schema: ErrorBody,
    when: "the code is not the new authenticator's (no attempt count: ask for another setup to start again)",
    example: { error: 'invalid_code', message: 'The code is not correct' },
  },
  invalid_passkey: {
    status: 401,
    schema: InvalidCodeBody,
    when: 'the passkey could not be verified: an unknown passkey, a wrong signature, origin or relying party, a challenge this session did not ask for or already used, a counter that did not move forward (all answered alike); at a pending step, `attemptsRemaining` counts down over its challenge',
    example: { error: 'invalid_passkey', message: 'The passkey could not be verified' },
  },
  'invalid_passkey:registration': {
    status: 400,
    schema: ErrorBody,
    when: "the new credential does not answer this session's creation options (none asked, already used, expired), comes from another origin or relying party, or is already registered",
    example: { error: 'invalid_passkey', message: 'The new passkey could not be verified; start again' },
  },
  unauthenticated: {
    status: 401,
    schema: ErrorBody,
    when: 'no signed-in session (missing, expired or unreadable cookie)',
    example: { error: 'unauthenticated', message: 'Sign in to continue' },
  },
  step_up_required: {
    status: 401,
    schema: StepUpRequiredBody,
    when: 'the sign-in is older than 5 minutes: `POST /step-up`, then `POST /verify`, then again',
    example: {
      error: 'step_up_required',
      message: 'Confirm it is you to continue',
      factors: ['totp', 'recovery_code'],
    },
  },
  cross_site_request: {
    status: 403,
    schema: ErrorBody,
    when: "an `Origin` other than `APP_URL`'s, or `Sec-Fetch-Site: cross-site`",
    example: { error: 'cross_site_request', message: 'Cross-site requests are not allowed' },
  },
  csrf_invalid: {
    status: 403,
    schema: ErrorBody,
    when: 'a form post without the `_csrf` token of its page and CSRF cookie (JSON posts need none)',
    example: { error: 'csrf_invalid', message: 'The form has expired; reload the page and try again' },
  },
  signup_closed: {
    status: 403,
    schema: ErrorBody,
    when: 'sign-up is closed (`AUTH_SIGNUP=closed`), whatever the body',
    example: { error: 'signup_closed', message: 'Sign-up is closed' },
  },
  'not_found:register': {
    status: 404,
    schema: ErrorBody,
    when: 'email mode (`AUTH_FIRST_FACTOR=email`), where the first verified sign-in is the sign-up',
    example: { error: 'not_found', message: 'There is nothing here' },
  },
  'not_found:outbox': {
    status: 404,
    schema: ErrorBody,
    when: 'mails go through SMTP (`SMTP_URL` set), or in production: there is no outbox',
    example: { error: 'not_found', message: 'There is nothing here' },
  },
  nothing_to_resend: {
    status: 409,
    schema: ErrorBody,
    when: 'the pending step is a second factor that takes no emailed code',
    example: { error: 'nothing_to_resend', message: 'This step does not use an emailed code' },
  },
  link_expired: {
    status: 410,
    schema: ErrorBody,
    when: 'a "this wasn\'t me" link that was used, expired (7 days) or never issued: the same answer for each',
    example: { error: 'link_expired', message: 'This link is no longer valid; sign in to review your account' },
  },
  'not_found:password': {
    status: 404,
    schema: ErrorBody,
    when: 'email mode (`AUTH_FIRST_FACTOR=email`): there are no passwords',
    example: { error: 'not_found', message: 'There is nothing here' },
  },
  'not_found:session': {
    status: 404,
    schema: ErrorBody,
    when: 'no live session of the account has that id',
    example: { error: 'not_found', message: 'There is no such session' },
  },
  'not_found:passkey': {
    status: 404,
    schema: ErrorBody,
    when: 'the account has no passkey with that id',
    example: { error: 'not_found', message: 'There is no such passkey' },
  },
  passkey_limit: {
    status: 409,
    schema: ErrorBody,
    when: 'the account has 20 passkeys: remove one first',
    example: { error: 'passkey_limit', message: 'An account can have 20 passkeys: remove one first' },
  },
  no_authenticator: {
    status: 409,
    schema: ErrorBody,
    when: 'the account has neither an authenticator app nor a passkey (recovery codes stand in for them)',
    example: {
      error: 'no_authenticator',
      message: 'Add an authenticator app or a passkey first: recovery codes stand in for them',
    },
  },
  other_browser: {
    status: 409,
    schema: ErrorBody,
    when: 'a sign-in link opened in another browser than the one that asked for the code: nothing was checked or used',
    example: {
      error: 'other_browser',
      message: 'This link works only in the browser where the code was asked for; type the code there instead',
    },
  },
  totp_already_enabled: {
    status: 409,
    schema: ErrorBody,
    when: 'the account already has an authenticator app: remove it first',
    example: { error: 'totp_already_enabled', message: 'An authenticator app is already on: remove it first' },
  },
  challenge_expired: {
    status: 410,
    schema: ErrorBody,
    when: 'no pending challenge: none was started, it expired (`reason: "expired"`), it was used, or its attempts ran out (`reason: "attempts"`)',
    example: { error: 'challenge_expired', message: 'There is no pending code; ask for a new one' },
  },
  'challenge_expired:totp': {
    status: 410,
    schema: ErrorBody,
    when: 'no authenticator waits for confirmation (none was set up, or its 10 minutes passed)',
    example: {
      error: 'challenge_expired',
      message: 'There is no authenticator waiting for confirmation; start again',
    },
  },
  payload_too_large: {
    status: 413,
    schema: ErrorBody,
    when: 'a body over 8 KiB, or a form with more than 20 fields',
    example: { error: 'payload_too_large', message: 'The request body is too large' },
  },
  unsupported_media_type: {
    status: 415,
    schema: ErrorBody,
    when: 'a body that is neither `application/json` nor a form, or declared in a charset other than UTF-8',
    example: { error: 'unsupported_media_type', message: 'Send application/json or application/x-www-form-urlencoded' },
  },
  locked: {
    status: 429,
    schema: RetryAfterBody,
    when: 'too many wrong answers for this email: locked for 15 minutes, doubling up to 24 hours, whatever is sent',
    example: { error: 'locked', message: 'Too many wrong attempts; try again later', retryAfter: 900 },
  },
  rate_limited: {
    status: 429,
    schema: RetryAfterBody,
    when: "this client address's request budget (`RATE_LIMIT_PER_MINUTE`) is spent",
    example: { error: 'rate_limited', message: 'Too many requests; slow down', retryAfter: 42 },
  },
  'rate_limited:mail': {
    status: 429,
    schema: RetryAfterBody,
    when: "this email's mail cooldown (`OTP_RESEND_SECONDS`) or its hourly or daily cap; or this client address's request budget",
    example: { error: 'rate_limited', message: 'Please wait before asking for another code', retryAfter: 42 },
  },
  unavailable: {
    status: 503,
    schema: ErrorBody,
    when: 'Redis does not answer, or too many password hashes are queued',
    example: { error: 'unavailable', message: 'The service is briefly unavailable; try again shortly' },
  },
} satisfies Record<string, ErrorDoc>;

/** A name of {@link ERRORS}: an error code, or `<code>:<variant>`. */
export type ApiErrorName = keyof typeof ERRORS;

/** What every JSON POST may answer, whatever the route: the body checks, CSRF, the budget and the store. */
export const POST_ERRORS = [
  'validation_failed',
  'bad_request',
  'cross_site_request',
  'csrf_invalid',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
] as const satisfies readonly ApiErrorName[];

const ERROR_SCHEMAS = [ErrorBody, ValidationFailedBody, InvalidCodeBody, RetryAfterBody, StepUpRequiredBody];

/**
 * Documents the errors a route answers: one response per status, whose description lists each
 * code and when it happens, with an example of each and `Retry-After` where it is sent. A variant
 * (`rate_limited:mail`) replaces its plain code (`rate_limited`, e.g. from {@link POST_ERRORS}).
 * @example `@ApiErrors(...POST_ERRORS, 'invalid_credentials', 'locked')`
 */
export function ApiErrors(...names: ApiErrorName[]): MethodDecorator & ClassDecorator {
  const variantOf = new Set(names.filter((n) => n.includes(':')).map((n) => n.split(':')[0]));
  const byStatus = new Map<number, [ApiErrorName, ErrorDoc][]>();
  for (const name of new Set(names.filter((n) => !variantOf.has(n)))) {
    const doc: ErrorDoc = ERRORS[name];
    byStatus.set(doc.status, [...(byStatus.get(doc.status) ?? []), [name, doc]]);
  }
  const responses = [...byStatus].map(([status, docs]) => {
    const schemas = [...new Set(docs.map(([, d]) => d.schema))];
    const refs = schemas.map((s) => ({ $ref: getSchemaPath(s) }));
    const examples: ExamplesObject = Object.fromEntries(
      docs.map(([name, d]) => [name.replace(':', '_'), { summary: d.example.error, value: d.example }]),
    );
    return ApiResponse({
      status,
      description: docs.map(([, d]) => `- \`${d.example.error}\`: ${d.when}`).join('\n'),
      ...(status === 429 || status === 503 ? { headers: RETRY_AFTER_HEADER } : {}),
      content: { 'application/json': { schema: refs.length === 1 ? refs[0] : { anyOf: refs }, examples } },
    });
  });
  return applyDecorators(ApiExtraModels(...ERROR_SCHEMAS), ...responses);
}

// ---------------------------------------------------------------------------------------------
// Answers of the sign-in steps.

const next = (example: string, description: string) => ApiProperty({ type: 'string', description, example });

/** `200 {"status":"code_sent",...}`: a code is on its way (an unknown email in email mode gets the same). */
export class CodeSentAnswer {
  @ApiProperty({ type: 'string', enum: ['code_sent'] })
  status: 'code_sent';

  @next('/verify', 'Where the code is entered')
  next: '/verify';

  @ApiProperty({ description: 'When the code stops working', type: 'string', format: 'date-time' })
  expiresAt: string;

  @ApiProperty({
    description: 'Seconds before another code may be asked for',
    type: 'integer',
    minimum: 0,
    example: 60,
  })
  resendAfter: number;
}

/** `POST /verify/resend`: `200 {"status":"code_sent","resendAfter":<s>}`. */
export class CodeResentAnswer {
  @ApiProperty({ type: 'string', enum: ['code_sent'] })
  status: 'code_sent';

  @ApiProperty({
    description: 'Seconds before another code may be asked for',
    type: 'integer',
    minimum: 0,
    example: 60,
  })
  resendAfter: number;

  @ApiPropertyOptional({
    description: 'Only when an emailed code replaced a second-factor step (`MFA_EMAIL_FALLBACK`)',
    type: 'string',
    example: '/verify',
  })
  next?: '/verify';

  @ApiPropertyOptional({
    description: "The new code's deadline, only when an emailed code replaced a second-factor step",
    type: 'string',
    format: 'date-time',
  })
  expiresAt?: string;
}

/** `200 {"status":"second_factor_required",...}`: the account's second factor is next, at `POST /verify`. */
export class SecondFactorRequiredAnswer {
  @ApiProperty({ type: 'string', enum: ['second_factor_required'] })
  status: 'second_factor_required';

  @next('/verify', 'Where the answer is entered')
  next: '/verify';

  @ApiProperty({
    description:
      'The factors accepted now: `totp` (send `code`), `recovery_code` (send `recoveryCode`), and `email_otp` when an emailed code may be asked for instead (`POST /verify/resend`)',
    type: [String],
    example: ['totp', 'recovery_code'],
  })
  factors: string[];
}

/** `200 {"status":"authenticated","next":...}`: the session is signed in (under a new id). */
export class AuthenticatedAnswer {
  @ApiProperty({ type: 'string', enum: ['authenticated'] })
  status: 'authenticated';

  @next('/home', 'Where to go now: the page first asked for, else `/home`')
  next: string;
}

/** Each step's answer class, by its `status`, for a `oneOf` with a discriminator. */
type Answers = Record<string, Type<unknown>>;

/**
 * A 200 JSON answer that is one of several steps, told apart by `status`.
 * @example `@ApiStepAnswer('Signed in, or the second factor is next', { authenticated: AuthenticatedAnswer, ... })`
 */
export function ApiStepAnswer(description: string, answers: Answers): MethodDecorator & ClassDecorator {
  const types = Object.values(answers);
  const schema: SchemaObject = {
    oneOf: types.map((t) => ({ $ref: getSchemaPath(t) })),
    discriminator: {
      propertyName: 'status',
      mapping: Object.fromEntries(Object.entries(answers).map(([status, t]) => [status, getSchemaPath(t)])),
    },
  };
  return applyDecorators(ApiExtraModels(...types), ApiOkResponse({ description, schema }));
}

/** `GET /verify/status`: the pending step. */
export class VerifyStatusAnswer {
  @ApiProperty({ type: 'string', enum: ['pending'] })
  status: 'pending';

  @ApiProperty({
    description: 'What the step waits for: an emailed code, or one of `factors`',
    type: 'string',
    enum: ['email_otp', 'second_factor'],
  })
  step: 'email_otp' | 'second_factor';

  @ApiProperty({
    description: 'The factors accepted at a `second_factor` step (empty at `email_otp`)',
    type: [String],
    example: [],
  })
  factors: string[];

  @ApiProperty({ description: 'When the challenge ends', type: 'string', format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ description: 'Wrong answers the challenge still takes', type: 'integer', minimum: 0, example: 5 })
  attemptsRemaining: number;

  @ApiProperty({
    description: 'Seconds until this session may ask for another code',
    type: 'integer',
    minimum: 0,
    example: 42,
  })
  resendAfter: number;

  @ApiProperty({
    description: '`failed` when the mail of the latest code could not be delivered (a resend clears it)',
    type: 'string',
    enum: ['sent', 'failed'],
  })
  delivery: 'sent' | 'failed';
}

// ---------------------------------------------------------------------------------------------
// The signed-in session and the account.

/** `GET /me`: who is signed in, and how. */
export class MeAnswer {
  @ApiProperty({ type: 'string', format: 'email', example: 'ada@example.com' })
  email: string;

  @ApiProperty({
    description: 'Authenticator assurance level (NIST SP 800-63B): 2 when two distinct factors count',
    type: 'integer',
    enum: [1, 2],
    example: 2,
  })
  aal: 1 | 2;

  @ApiProperty({
    description: 'Authentication methods (RFC 8176), with `mfa` for two factors or more',
    type: [String],
    example: ['pwd', 'otp', 'mfa'],
  })
  amr: string[];

  @ApiProperty({
    description: 'The factors this session passed, in order: `pwd`, `email_otp`, `totp`, `recovery_code`, ...',
    type: [String],
    example: ['pwd', 'email_otp'],
  })
  factors: string[];

  @ApiProperty({
    description: 'When the session signed in (renewed by a step-up)',
    type: 'string',
    format: 'date-time',
  })
  authTime: string;
}

/** `POST /account/totp/setup`: a new authenticator secret, waiting 10 minutes for its first code. */
export class TotpSetupAnswer {
  @ApiProperty({
    description: 'The base32 secret (160 bits), for typing into the app',
    type: 'string',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  secret: string;

  @ApiProperty({
    description: 'The `otpauth://` URI an authenticator app reads',
    type: 'string',
    format: 'uri',
    example: 'otpauth://totp/Sign-in:ada%40example.com?issuer=Sign-in&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  otpauthUrl: string;

  @ApiProperty({ description: 'The URI as an SVG QR code (markup)', type: 'string', example: '<svg ...>...</svg>' })
  qrSvg: string;
}

const recoveryCodes = () =>
  ApiProperty({
    description: 'The 10 recovery codes (`xxxxx-xxxxx`), each usable once; shown this once, only hashes are kept',
    type: [String],
    minItems: 10,
    maxItems: 10,
    example: ['k3m9p-x2q7w', '8hv4d-0tz6e'],
  });

/** `POST /account/totp/confirm`: the authenticator is on, with the first recovery codes. */
export class TotpEnabledAnswer {
  @ApiProperty({ type: 'string', enum: ['enabled'] })
  status: 'enabled';

  @recoveryCodes()
  recoveryCodes: string[];
}

/** `POST /account/recovery-codes`: a new set; the previous one stops working. */
export class RecoveryCodesAnswer {
  @recoveryCodes()
  recoveryCodes: string[];
}

/** `POST /password/forgot`. */
export class ResetCodeSentAnswer {
  @ApiProperty({ type: 'string', enum: ['code_sent'] })
  status: 'code_sent';

  @ApiProperty({ type: 'string', enum: ['/password/reset'] })
  next: '/password/reset';

  @ApiProperty({ type: 'string', format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ description: 'Seconds before another code may be asked for', type: 'integer', example: 60 })
  resendAfter: number;
}

/** `POST /password/reset`. */
export class PasswordChangedAnswer {
  @ApiProperty({ type: 'string', enum: ['password_changed'] })
  status: 'password_changed';

  @ApiProperty({ type: 'string', enum: ['/auth'] })
  next: '/auth';
}

/** `POST /account/not-me`. */
export class SecuredAnswer {
  @ApiProperty({ type: 'string', enum: ['secured'] })
  status: 'secured';

  @ApiProperty({ description: 'In password mode a reset is required first', enum: ['/password/forgot', '/auth'] })
  next: '/password/forgot' | '/auth';
}

/** One security event of the account. */
export class ActivityEntryAnswer {
  @ApiProperty({ type: 'string', format: 'date-time' })
  at: string;

  @ApiProperty({ example: 'auth.signed_in' })
  event: string;

  @ApiProperty({ required: false, example: 'Firefox on Linux' })
  device?: string;

  @ApiProperty({ required: false, example: '203.0.113.0/24' })
  ip?: string;
}

/** `GET /account/activity`. */
export class ActivityAnswer {
  @ApiProperty({ type: [ActivityEntryAnswer] })
  activity: ActivityEntryAnswer[];
}

/** `201` of `POST /account/passkeys`. */
export class PasskeyAddedAnswer {
  @ApiProperty({ description: 'The credential id (base64url)', example: 'mJ8r3cRk2WbVv9sQeH1x0A' })
  id: string;

  @ApiProperty({ example: 'Chrome on Linux' })
  name: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;
}

/** One passkey of the account. */
export class PasskeyViewAnswer extends PasskeyAddedAnswer {
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Null before its first sign-in' })
  lastUsedAt: string | null;

  @ApiProperty({ description: 'A synced passkey (multi-device) rather than one bound to its authenticator' })
  synced: boolean;

  @ApiProperty({ description: 'Backed up now' })
  backedUp: boolean;
}

/** `GET /account/passkeys`. */
export class PasskeysAnswer {
  @ApiProperty({ type: [PasskeyViewAnswer] })
  passkeys: PasskeyViewAnswer[];
}

/** WebAuthn creation options (`PublicKeyCredentialCreationOptionsJSON`, W3C WebAuthn L3 §5.4). */
export class PasskeyCreationOptionsAnswer {
  @ApiProperty({ description: 'base64url, single use, 5 minutes' })
  challenge: string;

  @ApiProperty({ example: { id: 'example.com', name: 'Sign-in' } })
  rp: { id: string; name: string };

  @ApiProperty({ description: 'The user handle (`id`, base64url, never the email), `name` and `displayName`' })
  user: { id: string; name: string; displayName: string };

  @ApiProperty({
    example: [
      { alg: -8, type: 'public-key' },
      { alg: -7, type: 'public-key' },
    ],
  })
  pubKeyCredParams: { alg: number; type: string }[];

  @ApiProperty({ description: 'Milliseconds', example: 300000 })
  timeout: number;

  @ApiProperty({ description: 'The account’s passkeys, so the authenticator does not make a second one' })
  excludeCredentials: { id: string; type: string; transports?: string[] }[];

  @ApiProperty({ example: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' } })
  authenticatorSelection: Record<string, unknown>;

  @ApiProperty({ example: 'none' })
  attestation: string;
}

/** WebAuthn request options (`PublicKeyCredentialRequestOptionsJSON`, W3C WebAuthn L3 §5.5). */
export class PasskeyRequestOptionsAnswer {
  @ApiProperty({ description: 'base64url, single use, 5 minutes' })
  challenge: string;

  @ApiProperty({ example: 'example.com' })
  rpId: string;

  @ApiProperty({ description: 'Milliseconds', example: 300000 })
  timeout: number;

  @ApiProperty({ enum: ['required', 'preferred'] })
  userVerification: string;

  @ApiProperty({
    required: false,
    description: 'At a pending step: the account’s passkeys; absent otherwise (any discoverable credential)',
  })
  allowCredentials?: { id: string; type: string; transports?: string[] }[];
}

/** One session of the account, as `GET /account/sessions` lists it. */
export class SessionViewAnswer {
  @ApiProperty({
    description: 'A public id (never the session id), for `DELETE /account/sessions/:id`',
    example: 'pK3v9QeX0aZbLm2nQ4rS7t',
  })
  id: string;

  @ApiProperty({ description: 'True for the session making this request, and for this browser’s own trusted entries' })
  current: boolean;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    description:
      'A session: its last request (kept to the minute). A trusted browser: its last sign-in (for one stored before this was kept, when it was first trusted)',
  })
  lastSeenAt: string;

  @ApiProperty({ example: 'Firefox on Linux' })
  device: string;

  @ApiProperty({ description: "The address's network", example: '203.0.113.0/24' })
  ip: string;

  @ApiProperty({ description: 'A remembered browser (skips the second factor) rather than a signed-in session' })
  remembered: boolean;

  @ApiProperty({
    description: '`session` (signed in now), `remembered` (skips the second factor) or `known` (has signed in before)',
    enum: ['session', 'remembered', 'known'],
  })
  kind: 'session' | 'remembered' | 'known';
}

/** `GET /account/sessions`. */
export class SessionsAnswer {
  @ApiProperty({ type: [SessionViewAnswer] })
  sessions: SessionViewAnswer[];
}

// ---------------------------------------------------------------------------------------------
// Development outbox and probes.

/** One mail of the development outbox. */
export class OutboxMail {
  @ApiProperty({ type: 'string', example: 'ada@example.com' })
  to: string;

  @ApiProperty({ type: 'string', example: 'Your sign-in code' })
  subject: string;

  @ApiProperty({ description: 'The plain-text part', type: 'string' })
  text: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  sentAt: string;
}

/** `GET /dev/outbox` as JSON: the mails, newest first. */
export class OutboxAnswer {
  @ApiProperty({ type: [OutboxMail] })
  mails: OutboxMail[];
}

/** One check of a health probe (`@nestjs/terminus`). */
export class HealthCheckState {
  @ApiProperty({ type: 'string', enum: ['up', 'down'] })
  status: 'up' | 'down';

  @ApiPropertyOptional({ description: 'Why a check is down', type: 'string', example: 'not connected' })
  message?: string;

  @ApiPropertyOptional({
    description: "Redis's check without `REDIS_URL`: the in-process stores",
    type: 'string',
    enum: ['embedded'],
  })
  mode?: 'embedded';
}

const checks = (description: string, example: Record<string, unknown>) =>
  ApiProperty({
    description,
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(HealthCheckState) },
    example,
  });

/** `GET /health/live`, `GET /health/ready`: every check is up. */
@ApiExtraModels(HealthCheckState)
export class HealthAnswer {
  @ApiProperty({ type: 'string', enum: ['ok'] })
  status: 'ok';

  @checks('The checks that are up, by name', { redis: { status: 'up' }, mail: { status: 'up' } })
  info: Record<string, HealthCheckState>;

  @checks('The checks that are down: none', {})
  error: Record<string, HealthCheckState>;

  @checks('Every check, by name', { redis: { status: 'up' }, mail: { status: 'up' } })
  details: Record<string, HealthCheckState>;
}

/**
 * `GET /health/ready` when a check is down: terminus' report with a `message`. Unlike other errors,
 * `error` holds the failed checks (the report's own field), not a code.
 */
@ApiExtraModels(HealthCheckState)
export class HealthNotReadyBody {
  @ApiProperty({ type: 'string', enum: ['error'] })
  status: 'error';

  @errorMessage('Not ready')
  message: string;

  @checks('The checks that are up, by name', { mail: { status: 'up' } })
  info: Record<string, HealthCheckState>;

  @checks('The checks that are down, by name', { redis: { status: 'down', message: 'not connected' } })
  error: Record<string, HealthCheckState>;

  @checks('Every check, by name', { mail: { status: 'up' }, redis: { status: 'down', message: 'not connected' } })
  details: Record<string, HealthCheckState>;
}
