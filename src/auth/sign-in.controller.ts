import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptLanguages, FormPage, Public, reply } from '../http/index.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { isSignedIn } from './auth.guard.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import { SignInDto } from './dto/index.js';
import { SignInService } from './sign-in.service.js';

/** `GET /auth` (the sign-in page) and `POST /auth` (first step of signing in). */
@Controller('auth')
@Public()
export class SignInController {
  constructor(
    protected readonly signIn: SignInService,
    protected readonly pages: PageRenderer,
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response) {
    if (isSignedIn(req.session?.user, this.options)) {
      return res.redirect(303, req.session.returnTo ?? '/home');
    }
    this.pages.send(req, res, 'pages/sign-in', { title: 'Sign in' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/sign-in')
  async start(
    @Body() body: SignInDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answer = await this.signIn.start(session, { email: body.email, password: body.password }, locales);
    reply(req, res, '/verify', answer);
  }
}
