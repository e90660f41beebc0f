import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, PageRenderer, reply } from '../http/index.js';
import { RouteDisabledError, SignupClosedError } from './auth.errors.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { RegisterDto } from './dto/index.js';
import { SignInService } from './sign-in.service.js';

/** `GET /register` and `POST /register`: password-mode sign-up, finished with the emailed code. */
@Controller('register')
export class RegisterController {
  constructor(
    protected readonly signIn: SignInService,
    protected readonly pages: PageRenderer,
    @Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response) {
    this.assertOpen();
    this.pages.send(req, res, 'pages/register', { title: 'Create an account' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/register')
  async register(@Body() body: RegisterDto, @Req() req: Request, @Res() res: Response) {
    this.assertOpen();
    reply(req, res, '/verify', await this.signIn.register(req, body.email, body.password));
  }

  protected assertOpen() {
    // In email mode a first verified sign-in is the sign-up; there is no separate form.
    if (this.options.firstFactor !== 'password') throw new RouteDisabledError();
    if (this.options.signup === 'closed') throw new SignupClosedError();
  }
}
