import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  InvalidCredentialsError,
  NothingToResendError,
  OtherBrowserError,
  PasswordResetRequiredError,
  RouteDisabledError,
  SignupClosedError,
  StepUpRequiredError,
  UnauthenticatedError,
} from './auth/index.js';
import {
  NoAuthenticatorError,
  NotMeLinkError,
  SessionNotFoundError,
  TotpAlreadyEnabledError,
} from './account/index.js';
import {
  InvalidPasskeyError,
  PasskeyLimitError,
  PasskeyNotFoundError,
  PasskeyRegistrationError,
} from './passkeys/index.js';
import { TotpConfirmationError } from './totp/index.js';
import { IdentifierLockedError, InvalidCodeError, ChallengeExpiredError, SendRateLimitedError } from './otp/index.js';
import { StoreUnavailableError } from './redis/index.js';
import {
  isRead,
  MalformedBodyError,
  PayloadTooLargeError,
  ServerBusyError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
  wantsJson,
} from './http/index.js';
import { ClientRateLimitedError, ForbiddenRequestError } from './security/index.js';
import { PageRenderer } from './view/index.js';

/** An error as the contract shows it. */
export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string; [k: string]: unknown };
  retryAfter?: number;
  /** Where a page request goes instead of an error page. */
  redirect?: string;
  /** Send a browser's form post to {@link redirect} too (not only a page load). */
  redirectForms?: boolean;
}

/**
 * The one exception filter, beside `AppModule` because it knows every feature's errors: domain errors become the contract's status and JSON body, form
 * posts get their page back with the error, pages get an error page. Never a stack trace.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(protected readonly pages: PageRenderer) {}

  catch(err: unknown, host: ArgumentsHost) {
    const req = host
      .switchToHttp()
      .getRequest<Request & { formPage?: string; pageContext?: Record<string, unknown> }>();
    const res = host.switchToHttp().getResponse<Response>();
    const answer = this.map(err);
    if (answer.status >= 500) this.log(err, req, answer);
    if (res.headersSent) return;

    if (answer.retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(1, answer.retryAfter)));
    res.setHeader('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.status(answer.status).json(answer.body);
      return;
    }
    if (answer.redirect && (isRead(req) || (answer.redirectForms && req.method === 'POST'))) {
      res.redirect(303, answer.redirect);
      return;
    }
    try {
      if (req.method === 'POST' && req.formPage) {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const email = typeof body.email === 'string' ? body.email : undefined;
        const context = { ...req.pageContext, error: answer.body, values: { email } };
        this.pages.send(req, res, req.formPage, context, answer.status);
      } else {
        const context = { title: 'Error', error: answer.body, status: answer.status, form: false };
        this.pages.send(req, res, 'pages/error', context, answer.status);
      }
    } catch (renderErr) {
      this.logger.error(`Could not render the error page: ${(renderErr as Error).message}`);
      res.status(answer.status).type('text').send(answer.body.message);
    }
  }

  /** The contract's answer for an error; override to map errors of your own. */
  protected map(err: unknown): ErrorAnswer {
    if (err instanceof ValidationFailedError) {
      return { status: 400, body: { error: 'validation_failed', message: err.message, details: err.details } };
    }
    if (err instanceof InvalidCodeError) {
      return {
        status: 401,
        body: { error: 'invalid_code', message: err.message, attemptsRemaining: err.attemptsRemaining },
      };
    }
    if (err instanceof ChallengeExpiredError) {
      return {
        status: 410,
        body: { error: 'challenge_expired', message: err.message, ...(err.reason ? { reason: err.reason } : {}) },
      };
    }
    if (err instanceof IdentifierLockedError) {
      return {
        status: 429,
        body: { error: 'locked', message: err.message, retryAfter: err.retryAfterSeconds },
        retryAfter: err.retryAfterSeconds,
      };
    }
    if (err instanceof SendRateLimitedError || err instanceof ClientRateLimitedError) {
      return {
        status: 429,
        body: { error: 'rate_limited', message: err.message, retryAfter: err.retryAfterSeconds },
        retryAfter: err.retryAfterSeconds,
      };
    }
    if (err instanceof InvalidPasskeyError) {
      const attempts = err.attemptsRemaining === undefined ? {} : { attemptsRemaining: err.attemptsRemaining };
      return { status: 401, body: { error: 'invalid_passkey', message: err.message, ...attempts } };
    }
    if (err instanceof PasskeyRegistrationError)
      return { status: 400, body: { error: 'invalid_passkey', message: err.message } };
    if (err instanceof PasskeyLimitError)
      return { status: 409, body: { error: 'passkey_limit', message: err.message } };
    if (err instanceof PasskeyNotFoundError) return { status: 404, body: { error: 'not_found', message: err.message } };
    if (err instanceof InvalidCredentialsError) {
      return { status: 401, body: { error: 'invalid_credentials', message: err.message } };
    }
    if (err instanceof UnauthenticatedError) {
      return {
        status: 401,
        body: { error: 'unauthenticated', message: err.message },
        redirect: err.pending ? '/verify' : '/auth',
      };
    }
    if (err instanceof StepUpRequiredError) {
      return {
        status: 401,
        body: { error: 'step_up_required', message: err.message, factors: err.factors },
        redirect: '/step-up',
        redirectForms: true,
      };
    }
    if (err instanceof OtherBrowserError)
      return { status: 409, body: { error: 'other_browser', message: err.message } };
    if (err instanceof TotpAlreadyEnabledError) {
      return { status: 409, body: { error: 'totp_already_enabled', message: err.message } };
    }
    if (err instanceof TotpConfirmationError) {
      return err.expired
        ? { status: 410, body: { error: 'challenge_expired', message: err.message } }
        : { status: 401, body: { error: 'invalid_code', message: err.message } };
    }
    if (err instanceof NotMeLinkError) return { status: 410, body: { error: 'link_expired', message: err.message } };
    if (err instanceof SessionNotFoundError) return { status: 404, body: { error: 'not_found', message: err.message } };
    if (err instanceof NoAuthenticatorError)
      return { status: 409, body: { error: 'no_authenticator', message: err.message } };
    if (err instanceof PasswordResetRequiredError) {
      return {
        status: 403,
        body: { error: 'password_reset_required', message: err.message, next: '/password/forgot' },
      };
    }
    if (err instanceof NothingToResendError)
      return { status: 409, body: { error: 'nothing_to_resend', message: err.message } };
    if (err instanceof SignupClosedError)
      return { status: 403, body: { error: 'signup_closed', message: err.message } };
    if (err instanceof RouteDisabledError) return { status: 404, body: { error: 'not_found', message: err.message } };
    if (err instanceof PayloadTooLargeError)
      return { status: 413, body: { error: 'payload_too_large', message: err.message } };
    if (err instanceof MalformedBodyError) return { status: 400, body: { error: 'bad_request', message: err.message } };
    if (err instanceof ForbiddenRequestError) return { status: 403, body: { error: err.code, message: err.message } };
    if (err instanceof UnsupportedMediaTypeError) {
      return { status: 415, body: { error: 'unsupported_media_type', message: err.message } };
    }
    if (err instanceof StoreUnavailableError || err instanceof ServerBusyError) {
      return {
        status: 503,
        body: { error: 'unavailable', message: 'The service is briefly unavailable; try again shortly' },
        retryAfter: 5,
      };
    }
    if (err instanceof HttpException) return this.fromHttpException(err);
    return { status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side' } };
  }

  private fromHttpException(err: HttpException): ErrorAnswer {
    const status: number = err.getStatus();
    const response = err.getResponse();
    if (status === 503 && typeof response === 'object' && 'details' in response) {
      // A failed readiness probe: keep terminus' per-check report.
      return { status, body: { error: 'unavailable', message: 'Not ready', ...(response as object) } };
    }
    const codes: Record<number, [string, string]> = {
      [HttpStatus.BAD_REQUEST]: ['bad_request', 'The request could not be read'],
      [HttpStatus.NOT_FOUND]: ['not_found', 'There is nothing here'],
      [HttpStatus.PAYLOAD_TOO_LARGE]: ['payload_too_large', 'The request body is too large'],
      [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: ['unsupported_media_type', 'Send application/json or a form'],
      [HttpStatus.METHOD_NOT_ALLOWED]: ['method_not_allowed', 'That method is not allowed here'],
    };
    const [error, message] = codes[status] ?? [
      status >= 500 ? 'internal_error' : 'request_failed',
      'The request failed',
    ];
    return { status, body: { error, message } };
  }

  private log(err: unknown, req: Request, answer: ErrorAnswer) {
    const what = `${req.method} ${req.path} -> ${answer.status}`;
    const e = err instanceof Error ? err : new Error(String(err));
    // The cause of a store outage (a Redis or PostgreSQL error) says why; it holds no request data.
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
    if (answer.status === 503) this.logger.warn(`${what}: ${e.message}${cause}`);
    else this.logger.error(`${what}: ${e.stack ?? e.message}`);
  }
}
