import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AcceptLanguages, EmptyBody, FormPage, JsonOnly, Public, reply } from '../http/index.js';
import {
  ApiErrors,
  ApiStepAnswer,
  AuthenticatedAnswer,
  CodeResentAnswer,
  CodeSentAnswer,
  POST_ERRORS,
  SecondFactorRequiredAnswer,
  VerifyStatusAnswer,
} from '../http/openapi.js';
import { ChallengeExpiredError } from '../otp/index.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { ChallengeService } from './challenge.service.js';
import { VerifyDto, VerifyLinkDto } from './dto/index.js';
import { SignInService } from './sign-in.service.js';
import { VerifyPageInterceptor } from './verify-page.interceptor.js';

/**
 * `GET /verify` (the code page), `GET /verify/status`, `POST /verify` (check the answer),
 * `POST /verify/resend`, `POST /verify/restart`, and the mail's link: `GET` and `POST /verify/link`.
 */
@Controller('verify')
@Public()
@ApiTags('sign-in')
export class VerifyController {
  constructor(
    protected readonly challenges: ChallengeService,
    protected readonly signIn: SignInService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  // A page (HTML for browsers), not part of the JSON API the OpenAPI document describes: its form
  // posts to the JSON routes documented beside it.
  @ApiExcludeEndpoint()
  async page(@CurrentSession() session: SessionHandle, @Req() req: Request, @Res() res: Response) {
    const pending = await this.challenges.pending(session);
    if (!pending) return res.redirect(303, '/auth');
    this.pages.send(req, res, 'pages/verify', { title: 'Enter your code', pending });
  }

  /**
   * `GET /verify/status`: the pending step for the page script (it polls this to learn that a mail
   * could not be delivered). `200 {status:"pending", step, factors, expiresAt, attemptsRemaining,
   * resendAfter, delivery:"sent"|"failed"}`; 410 `challenge_expired` when none is pending.
   */
  @Get('status')
  @JsonOnly()
  @ApiOperation({
    operationId: 'verifyStatus',
    summary: 'The pending step',
    description:
      "What this session's pending challenge waits for, its deadline and attempts left, and whether its last mail was delivered (the code page polls it).",
  })
  @ApiOkResponse({ description: 'A challenge is pending', type: VerifyStatusAnswer })
  @ApiErrors('challenge_expired', 'rate_limited', 'unavailable')
  async status(@CurrentSession() session: SessionHandle) {
    const pending = await this.challenges.pending(session);
    if (!pending || pending.ended) throw new ChallengeExpiredError(pending?.ended);
    const { step, factors, expiresAt, attemptsRemaining, resendAfter, delivery } = pending;
    return { status: 'pending', step, factors, expiresAt, attemptsRemaining, resendAfter, delivery };
  }

  @Post()
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  @ApiOperation({
    operationId: 'verify',
    summary: 'Answer the pending step',
    description:
      "Exactly one of `code` (the emailed code, or the authenticator app's at a second-factor step) and `recoveryCode` (at a second-factor step that offers it). A malformed answer (400) counts nothing; a wrong one spends an attempt (401) and counts toward the email's lock. On success the session moves to a new id: signed in, or at the account's second factor. A form post gets a 303 to `next` instead.",
  })
  @ApiBody({ type: VerifyDto })
  @ApiStepAnswer('Signed in, or the second factor is next (answer it here again)', {
    authenticated: AuthenticatedAnswer,
    second_factor_required: SecondFactorRequiredAnswer,
  })
  @ApiErrors(...POST_ERRORS, 'invalid_code', 'unauthenticated', 'challenge_expired', 'locked')
  async verify(
    @Body() body: VerifyDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answer = await this.challenges.verify(session, body, locales);
    reply(req, res, answer.status === 'authenticated' ? answer.next : '/verify', answer);
  }

  @Post('restart')
  @HttpCode(200)
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  @ApiOperation({
    operationId: 'restartChallenge',
    summary: 'Start again with a new code',
    description:
      "After the pending emailed-code step expired or ran out of attempts (or while it is pending), starts a new challenge for the same address, answered as `POST /auth` would be; the address's cooldown, caps and lock apply. 410 with nothing to restart (and for a password-mode sign-up: register again). A form post gets a 303 to `/verify` instead.",
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiStepAnswer('A new code is on its way (or the second factor is next)', {
    code_sent: CodeSentAnswer,
    second_factor_required: SecondFactorRequiredAnswer,
  })
  @ApiErrors(...POST_ERRORS, 'challenge_expired', 'locked', 'rate_limited:mail')
  async restart(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answer = await this.signIn.restart(session, locales);
    reply(req, res, answer.status === 'authenticated' ? answer.next : '/verify', answer);
  }

  /**
   * `GET /verify/link?t=`: the page a sign-in mail's link opens. It only shows a button: a mail
   * scanner's GET checks and consumes nothing. Opened in another browser, it says so.
   */
  @Get('link')
  @ApiExcludeEndpoint()
  async linkPage(
    @CurrentSession() session: SessionHandle,
    @Query('t') token: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const t = typeof token === 'string' && token.length <= 200 ? token : '';
    // "Another browser" only for a live challenge that is not this session's; a used, expired or
    // unknown link gets the same page as a valid one, and its POST then says it is gone.
    const otherBrowser = !this.challenges.linkFitsSession(session, t) && (await this.challenges.linkChallengeLives(t));
    this.pages.send(req, res, 'pages/verify-link', { title: 'Sign in with the link', token: t, otherBrowser });
  }

  @Post('link')
  @FormPage('pages/verify-link')
  @UseInterceptors(VerifyPageInterceptor)
  @ApiOperation({
    operationId: 'verifyLink',
    summary: 'Answer the emailed-code step with the link',
    description:
      "The token of the sign-in mail's link (`t`), accepted like the code: single use, the same attempts, deadline and lock, and only in the browser whose session asked for the code (elsewhere 409 `other_browser`, and nothing is checked or used). A form post gets a 303 to `next` instead.",
  })
  @ApiBody({ type: VerifyLinkDto })
  @ApiStepAnswer('Signed in, or the second factor is next', {
    authenticated: AuthenticatedAnswer,
    second_factor_required: SecondFactorRequiredAnswer,
  })
  @ApiErrors(...POST_ERRORS, 'other_browser', 'invalid_code', 'unauthenticated', 'challenge_expired', 'locked')
  async verifyLink(
    @Body() body: VerifyLinkDto,
    @CurrentSession() session: SessionHandle,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answer = await this.challenges.verifyLink(session, body.token);
    reply(req, res, answer.status === 'authenticated' ? answer.next : '/verify', answer);
  }

  @Post('resend')
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  @ApiOperation({
    operationId: 'resendCode',
    summary: 'Mail a new code',
    description:
      'Mails a new code for the pending emailed-code step; its attempts and deadline stay as they were. At a second-factor step that offers `email_otp`, an emailed code replaces that step. A form post gets a 303 to `/verify` instead.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiOkResponse({ description: 'A new code is on its way', type: CodeResentAnswer })
  @ApiErrors(...POST_ERRORS, 'nothing_to_resend', 'challenge_expired', 'rate_limited:mail')
  async resend(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/verify', await this.challenges.resend(session, locales));
  }
}
