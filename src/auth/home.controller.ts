import { Body, Controller, Get, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EmptyBody, JsonOnly, reply } from '../http/index.js';
import { PageRenderer } from '../view/index.js';
import { SessionService, type SessionUser } from '../session/index.js';
import { AuthGuard, isSignedIn } from './auth.guard.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { CurrentUser } from './current-user.decorator.js';

/** The signed-in side: `GET /`, `GET /home`, `GET /me`, and `POST /logout`. */
@Controller()
export class AccountController {
  constructor(
    protected readonly pages: PageRenderer,
    protected readonly sessions: SessionService,
    @Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions,
  ) {}

  /** `GET /`: the first URL a person opens leads somewhere: 303 to `/home` when signed in, else `/auth`. */
  @Get()
  root(@Req() req: Request, @Res() res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, isSignedIn(req.session?.user, this.options) ? '/home' : '/auth');
  }

  @Get('home')
  @UseGuards(AuthGuard)
  home(@CurrentUser() user: SessionUser, @Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/home', { title: 'Home', user });
  }

  @Get('me')
  @JsonOnly()
  @UseGuards(AuthGuard)
  me(@CurrentUser() user: SessionUser) {
    return { email: user.email, aal: user.aal, amr: user.amr, authTime: new Date(user.authTime).toISOString() };
  }

  /** Deletes the session record and clears the cookie, signed in or not. */
  @Post('logout')
  async logout(@Body() _body: EmptyBody, @Req() req: Request, @Res() res: Response) {
    await this.sessions.destroy(req, res);
    reply(req, res, '/auth');
  }
}
