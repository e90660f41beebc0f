import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiCookieAuth,
  ApiExcludeEndpoint,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthGuard, FreshAuth } from '../auth/index.js';
import { AcceptLanguages, FormPage, Public, reply } from '../http/index.js';
import { ApiErrors, PasswordChangedAnswer, POST_ERRORS, ResetCodeSentAnswer } from '../http/openapi.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { ChangePasswordDto, ForgotPasswordDto, ResetPasswordDto } from './dto/password.dto.js';
import { PasswordModeGuard } from './password-mode.guard.js';
import { PasswordResetService } from './password.service.js';

/**
 * Password reset and change (password mode; 404 in email mode): `GET`/`POST /password/forgot`,
 * `GET`/`POST /password/reset`, and, signed in, `GET`/`POST /account/password`.
 */
@Controller()
@UseGuards(PasswordModeGuard)
@ApiTags('password')
export class PasswordController {
  constructor(
    protected readonly passwords: PasswordResetService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get('password/forgot')
  @Public()
  @ApiExcludeEndpoint()
  forgotPage(@Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/password-forgot', { title: 'Forgot your password?' });
  }

  @Post('password/forgot')
  @Public()
  @HttpCode(200)
  @FormPage('pages/password-forgot')
  @ApiOperation({
    operationId: 'forgotPassword',
    summary: 'Ask for a password reset code',
    description:
      'Mails a reset code to an existing account; the same answer, in status, body and timing, for an unknown address (which is mailed nothing). The address’s cooldown, caps and lock apply. A form post gets a 303 to `/password/reset` instead.',
  })
  @ApiBody({ type: ForgotPasswordDto })
  @ApiOkResponse({ description: 'A code is on its way (if the account exists)', type: ResetCodeSentAnswer })
  @ApiErrors(...POST_ERRORS, 'not_found:password', 'locked', 'rate_limited:mail')
  async forgot(
    @Body() body: ForgotPasswordDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/password/reset', await this.passwords.forgot(session, body.email, locales));
  }

  @Get('password/reset')
  @Public()
  @ApiExcludeEndpoint()
  resetPage(@CurrentSession() session: SessionHandle, @Req() req: Request, @Res() res: Response) {
    const p = session.maybe?.pending;
    if (p?.purpose !== 'password-reset') return res.redirect(303, '/password/forgot');
    this.pages.send(req, res, 'pages/password-reset', { title: 'Choose a new password', email: p.identifier });
  }

  @Post('password/reset')
  @Public()
  @HttpCode(200)
  @FormPage('pages/password-reset')
  @ApiOperation({
    operationId: 'resetPassword',
    summary: 'Set a new password with the mailed code',
    description:
      'The reset code and a new password (8 to 256 characters, not a common one, not containing the email’s name). Every session of the account ends, this one too (sign in again); the authenticator app stays required. Wrong codes count like any wrong code. A form post gets a 303 to `/auth` instead.',
  })
  @ApiBody({ type: ResetPasswordDto })
  @ApiOkResponse({ description: 'The password is changed', type: PasswordChangedAnswer })
  @ApiErrors(...POST_ERRORS, 'not_found:password', 'invalid_code', 'challenge_expired', 'locked')
  async reset(
    @Body() body: ResetPasswordDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/auth', await this.passwords.reset(session, body.code, body.password, locales));
  }

  @Get('account/password')
  @UseGuards(AuthGuard)
  @ApiExcludeEndpoint()
  changePage(@Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/password-change', { title: 'Change your password' });
  }

  @Post('account/password')
  @UseGuards(AuthGuard)
  @FreshAuth(300)
  @FormPage('pages/password-change')
  @ApiCookieAuth('sid')
  @ApiOperation({
    operationId: 'changePassword',
    summary: 'Change the password',
    description:
      'Signed in, with a sign-in or step-up of the last 5 minutes: the current password (a wrong one counts toward the lock) and the new one. Every other session ends; a notice mail. A form post gets a 303 to `/account/security` instead.',
  })
  @ApiBody({ type: ChangePasswordDto })
  @ApiNoContentResponse({ description: 'The password is changed' })
  @ApiErrors(
    ...POST_ERRORS,
    'not_found:password',
    'unauthenticated',
    'step_up_required',
    'invalid_credentials',
    'locked',
  )
  async change(
    @Body() body: ChangePasswordDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.passwords.change(session, body.currentPassword, body.newPassword, locales);
    reply(req, res, '/account/security');
  }
}
