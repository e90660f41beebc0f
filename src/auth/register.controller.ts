import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AcceptLanguages, FormPage, Public, reply } from '../http/index.js';
import { ApiErrors, CodeSentAnswer, POST_ERRORS } from '../http/openapi.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { RegisterDto } from './dto/index.js';
import { RegistrationOpenGuard } from './registration-open.guard.js';
import { SignInService } from './sign-in.service.js';

/** `GET /register` and `POST /register`: password-mode sign-up, finished with the emailed code. */
@Controller('register')
@Public()
@UseGuards(RegistrationOpenGuard)
@ApiTags('sign-in')
export class RegisterController {
  constructor(
    protected readonly signIn: SignInService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  // A page (HTML for browsers), not part of the JSON API the OpenAPI document describes: its form
  // posts to the JSON routes documented beside it.
  @ApiExcludeEndpoint()
  page(@Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/register', { title: 'Create an account' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/register')
  @ApiOperation({
    operationId: 'register',
    summary: 'Create an account (password mode)',
    description:
      'Mails a code that proves the address; `POST /verify` with it creates the account and signs in. An address that already has an account gets the same answer (its owner is mailed a notice instead, and nothing changes). Checks, in order: sign-up open (403, 404, before the body), the body (400), the lock and the mail cooldown and caps (429). A form post gets a 303 to `/verify` instead.',
  })
  @ApiBody({ type: RegisterDto })
  @ApiOkResponse({ description: 'A code is on its way: continue at `POST /verify`', type: CodeSentAnswer })
  @ApiErrors(...POST_ERRORS, 'signup_closed', 'not_found:register', 'locked', 'rate_limited:mail')
  async register(
    @Body() body: RegisterDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/verify', await this.signIn.register(session, body, locales));
  }
}
