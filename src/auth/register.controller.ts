import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptLanguages, FormPage, Public, reply } from '../http/index.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { RegisterDto } from './dto/index.js';
import { RegistrationOpenGuard } from './registration-open.guard.js';
import { SignInService } from './sign-in.service.js';

/** `GET /register` and `POST /register`: password-mode sign-up, finished with the emailed code. */
@Controller('register')
@Public()
@UseGuards(RegistrationOpenGuard)
export class RegisterController {
  constructor(
    protected readonly signIn: SignInService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/register', { title: 'Create an account' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/register')
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
