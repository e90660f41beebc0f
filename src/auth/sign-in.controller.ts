import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AcceptLanguages, FormPage, Public, reply } from '../http/index.js';
import {
  ApiErrors,
  ApiStepAnswer,
  AuthenticatedAnswer,
  CodeSentAnswer,
  POST_ERRORS,
  SecondFactorRequiredAnswer,
} from '../http/openapi.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { isSignedIn } from './auth.guard.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import { SignInDto } from './dto/index.js';
import { SignInService } from './sign-in.service.js';

/** `GET /auth` (the sign-in page) and `POST /auth` (first step of signing in). */
@Controller('auth')
@Public()
@ApiTags('sign-in')
export class SignInController {
  constructor(
    protected readonly signIn: SignInService,
    protected readonly pages: PageRenderer,
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
  ) {}

  @Get()
  // A page (HTML for browsers), not part of the JSON API the OpenAPI document describes: its form
  // posts to the JSON routes documented beside it.
  @ApiExcludeEndpoint()
  page(@Req() req: Request, @Res() res: Response) {
    if (isSignedIn(req.session?.user, this.options)) {
      return res.redirect(303, req.session.returnTo ?? '/home');
    }
    this.pages.send(req, res, 'pages/sign-in', { title: 'Sign in' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/sign-in')
  @ApiOperation({
    operationId: 'signIn',
    summary: 'Start signing in',
    description:
      'Password mode: `{email, password}`; email mode: `{email}`. Checks, in order: the body (400), the lock (429 `locked`), the password (401), the mail cooldown and caps (429 `rate_limited`). An account with an authenticator app goes on to its second factor (no mail); otherwise a code is mailed. An unknown email in email mode gets the same answer as a known one. The session moves to a new id. A form post gets a 303 to `/verify` instead.',
  })
  @ApiBody({ type: SignInDto })
  @ApiStepAnswer(
    'A code was mailed, or the second factor is next (continue at `POST /verify`); or, in a browser remembered for the account, signed in',
    {
      code_sent: CodeSentAnswer,
      second_factor_required: SecondFactorRequiredAnswer,
      authenticated: AuthenticatedAnswer,
    },
  )
  @ApiErrors(...POST_ERRORS, 'invalid_credentials', 'locked', 'rate_limited:mail')
  async start(
    @Body() body: SignInDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answer = await this.signIn.start(session, { email: body.email, password: body.password }, locales);
    reply(req, res, answer.status === 'authenticated' ? answer.next : '/verify', answer);
  }
}
