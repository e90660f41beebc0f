import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import type { SessionView } from './account/index.js';
import type { Authenticated, CodeSent, SecondFactorRequired } from './auth/index.js';
import {
  AuthenticatedAnswer,
  CodeSentAnswer,
  PasskeyViewAnswer,
  ResetCodeSentAnswer,
  SecondFactorRequiredAnswer,
  SessionViewAnswer,
  TotpSetupAnswer,
} from './http/openapi.js';
import type { PasskeyView } from './passkeys/index.js';
import type { ResetCodeSent } from './password/index.js';
import type { TotpSetup } from './totp/index.js';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** This package's version, from its package.json (one level above `src/` and `dist/` alike). */
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const DESCRIPTION = `Multi-factor sign-in: a password and a code sent by email (or the emailed code alone), then an
authenticator app or a recovery code for accounts that have one. The usual path: \`POST /auth\` (or
\`POST /register\`), then \`POST /verify\` with the mailed code, and once more with the second factor
when the answer's \`status\` is \`second_factor_required\`; then \`GET /me\`.

**Session.** Every call runs in the session of the \`sid\` cookie (\`__Host-sid\` when \`APP_URL\` is
https; \`HttpOnly\`, \`SameSite=Lax\`): keep it from one call to the next. Its id changes at every
step of a sign-in.

**Requests.** Every POST takes \`application/json\` (described here) or an
\`application/x-www-form-urlencoded\` form, in UTF-8, at most 8 KiB (a form: 20 fields). A field the
route does not take, a repeated field, or \`null\` is a 400 \`validation_failed\`.

**CSRF.** A POST with a cross-site \`Origin\` (only \`APP_URL\`'s origin is same-origin) or
\`Sec-Fetch-Site: cross-site\` is a 403 \`cross_site_request\`. JSON posts need a JSON content type
(\`application/json\`) and a same-origin \`Origin\` (or none, outside browsers). Form posts need the
\`_csrf\` field of the page's form and the CSRF cookie the page set (else 403 \`csrf_invalid\`). A POST without a body needs no content
type and no token (its \`Origin\` is still checked).

**Answers.** A request with a JSON body, or whose \`Accept\` prefers JSON, gets JSON: send
\`Accept: application/json\` with a GET, or its errors may come as an HTML page. A browser's form post
gets a 303 redirect on success and its page again on failure. Errors are
\`{"error": "<code>", "message": "<text>", ...}\`, with \`details\` for 400 \`validation_failed\`,
\`attemptsRemaining\` for 401 \`invalid_code\`, \`retryAfter\` (and a \`Retry-After\` header) for 429, and
\`factors\` for 401 \`step_up_required\`; 503 \`unavailable\` comes with \`Retry-After\` too. Any route
may also answer 500 \`internal_error\`; no answer ever carries a stack trace.`;

/**
 * The environment `npm run openapi` and the drift test build the app with: the embedded defaults
 * (no Redis, no SMTP, so the development outbox is in) and nothing from `process.env`, so that the
 * document is the same on every machine.
 */
export const OPENAPI_BUILD_ENV: Readonly<Record<string, string>> = { NODE_ENV: 'test', LOG_LEVEL: 'error' };

/**
 * The OpenAPI document of an app's JSON routes, from the controllers' `@nestjs/swagger`
 * decorators: title, version (package.json), the session cookie scheme (`sid`, which
 * `@ApiCookieAuth('sid')` routes require), the CSRF rules, and the tags in reading order.
 * Served at `/docs/json` outside production; `npm run openapi` writes it to `docs/openapi.json`.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('nest-mfa-signin')
    .setDescription(DESCRIPTION)
    .setVersion(VERSION)
    .addCookieAuth(
      'sid',
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'The session cookie, set by the first call of a sign-in (`__Host-sid` when `APP_URL` is https). Routes marked with it answer 401 `unauthenticated` without a signed-in session.',
      },
      'sid',
    )
    .addTag('sign-in', 'Signing in and up: the first factor, then each pending step')
    .addTag('session', 'The signed-in session: who it is, a fresh second factor, signing out')
    .addTag('account', "The account's second factors: the authenticator app and recovery codes")
    .addTag('health', 'Probes for orchestrators')
    .addTag('development', 'Development helpers, absent in production')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The document as `docs/openapi.json` holds it: keys sorted at every level, 2-space indent, a final newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/**
 * Compile-time only: each answer schema has the shape of the answer its service returns, so a
 * changed answer fails the type check until its OpenAPI description follows.
 */
export function answerSchemasMatch(schemas: {
  codeSent: CodeSentAnswer;
  secondFactor: SecondFactorRequiredAnswer;
  authenticated: AuthenticatedAnswer;
  totpSetup: TotpSetupAnswer;
  session: SessionViewAnswer;
  resetCodeSent: ResetCodeSentAnswer;
  passkey: PasskeyViewAnswer;
}): {
  codeSent: CodeSent;
  secondFactor: SecondFactorRequired;
  authenticated: Authenticated;
  totpSetup: TotpSetup;
  session: SessionView;
  resetCodeSent: ResetCodeSent;
  passkey: PasskeyView;
} {
  return schemas;
}
