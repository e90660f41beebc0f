import { Body, Controller, Get, Optional, Post, Req, Res, UseGuards } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Request, Response } from 'express';
import { EmptyBody, JsonOnly, Public, reply } from '../http/index.js';
import { SessionService } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { AuthEvents, type SignedOutEvent } from './auth.events.js';
import { AuthGuard, isSignedIn } from './auth.guard.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import type { SessionUser } from './auth-session.js';
import { CurrentUser } from './current-user.decorator.js';

/** The signed-in side: `GET /`, `GET /home`, `GET /me`, and `POST /logout`. */
@Controller()
export class HomeController {
  constructor(
    protected readonly pages: PageRenderer,
    protected readonly sessions: SessionService,
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /** `GET /`: the first URL a person opens leads somewhere: 303 to `/home` when signed in, else `/auth`. */
  @Get()
  @Public()
  root(@Req() req: Request, @Res() res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, isSignedIn(req.session?.user, this.options) ? '/home' : '/auth');
  }

  @Get('home')
  @UseGuards(AuthGuard)
  home(@CurrentUser() user: SessionUser, @Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/home', { title: 'Home', user, mfa: user.factors.length >= 2 });
  }

  /** `GET /me`: `{email, aal, amr, factors, authTime}`. */
  @Get('me')
  @JsonOnly()
  @UseGuards(AuthGuard)
  me(@CurrentUser() user: SessionUser) {
    return {
      email: user.email,
      aal: user.aal,
      amr: user.amr,
      factors: user.factors,
      authTime: new Date(user.authTime).toISOString(),
    };
  }

  /** Deletes the session record and clears the cookie, signed in or not. */
  @Post('logout')
  @Public()
  async logout(@Body() _body: EmptyBody, @Req() req: Request, @Res() res: Response) {
    const email = req.session?.user?.email;
    await this.sessions.destroy(req, res);
    this.events?.emit(AuthEvents.SignedOut, { ...(email ? { email } : {}) } satisfies SignedOutEvent);
    reply(req, res, '/auth');
  }
}
