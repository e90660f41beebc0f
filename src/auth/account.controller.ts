import { Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { JsonOnly, PageRenderer, reply } from '../http/index.js';
import { SessionService, type SessionUser } from '../session/index.js';
import { AuthGuard } from './auth.guard.js';
import { CurrentUser } from './current-user.decorator.js';

/** The signed-in side: `GET /home`, `GET /me`, and `POST /logout`. */
@Controller()
export class AccountController {
  constructor(
    protected readonly pages: PageRenderer,
    protected readonly sessions: SessionService,
  ) {}

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
  async logout(@Req() req: Request, @Res() res: Response) {
    await this.sessions.destroy(req, res);
    reply(req, res, '/auth');
  }
}
