import { Body, Controller, Get, Optional, Post, Req, Res, UseGuards } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
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
import { EmptyBody, JsonOnly, Public, reply } from '../http/index.js';
import { ApiErrors, MeAnswer, POST_ERRORS } from '../http/openapi.js';
import { SessionService } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { AuthEvents, type SignedOutEvent } from './auth.events.js';
import { AuthGuard, isSignedIn } from './auth.guard.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import type { SessionUser } from './auth-session.js';
import { CurrentUser } from './current-user.decorator.js';

/** The signed-in side: `GET /`, `GET /home`, `GET /me`, and `POST /logout`. */
@Controller()
@ApiTags('session')
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
  // Only a redirect to a page, for people: not part of the JSON API the OpenAPI document describes.
  @ApiExcludeEndpoint()
  root(@Req() req: Request, @Res() res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, isSignedIn(req.session?.user, this.options) ? '/home' : '/auth');
  }

  @Get('home')
  @UseGuards(AuthGuard)
  // A page (HTML for browsers), not part of the JSON API the OpenAPI document describes.
  @ApiExcludeEndpoint()
  home(@CurrentUser() user: SessionUser, @Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/home', { title: 'Home', user, mfa: user.factors.length >= 2 });
  }

  /** `GET /me`: `{email, aal, amr, factors, authTime}`. */
  @Get('me')
  @JsonOnly()
  @UseGuards(AuthGuard)
  @ApiOperation({
    operationId: 'me',
    summary: 'Who is signed in',
    description: 'The signed-in account and how it signed in.',
  })
  @ApiCookieAuth('sid')
  @ApiOkResponse({ description: 'Signed in', type: MeAnswer })
  @ApiErrors('unauthenticated', 'rate_limited')
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
  @ApiOperation({
    operationId: 'logout',
    summary: 'Sign out',
    description:
      'Deletes the session record and clears the cookie, signed in or not. A body-less POST needs no content type. A form post gets a 303 to `/auth` instead.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiErrors(...POST_ERRORS)
  async logout(@Body() _body: EmptyBody, @Req() req: Request, @Res() res: Response) {
    const email = req.session?.user?.email;
    await this.sessions.destroy(req, res);
    this.events?.emit(AuthEvents.SignedOut, { ...(email ? { email } : {}) } satisfies SignedOutEvent);
    reply(req, res, '/auth');
  }
}
