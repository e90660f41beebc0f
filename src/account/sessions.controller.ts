import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
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
import { EmptyBody, FormPage, reply, wantsJson } from '../http/index.js';
import { ApiErrors, POST_ERRORS, SessionsAnswer } from '../http/openapi.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { AccountSessionsService } from './account-sessions.service.js';

const PAGE = 'pages/account-sessions';

/**
 * The account's sessions (signed in): `GET /account/sessions` (a page, or JSON), and ending them,
 * which needs a sign-in or step-up of the last 5 minutes: `DELETE /account/sessions/:id` (a form
 * posts to `/account/sessions/:id/end`) and `POST /account/sessions/revoke-others`.
 */
@Controller('account/sessions')
@UseGuards(AuthGuard)
@ApiTags('account')
@ApiCookieAuth('sid')
export class SessionsController {
  constructor(
    protected readonly accountSessions: AccountSessionsService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listSessions',
    summary: 'The account’s sessions',
    description:
      'Every live session of the account (this one first), with a readable device, the network it signed in from, and when it was last seen; never a session id. A browser gets the page instead.',
  })
  @ApiOkResponse({ description: 'The sessions', type: SessionsAnswer })
  @ApiErrors('unauthenticated', 'unavailable')
  async list(@CurrentSession() session: SessionHandle, @Req() req: Request, @Res() res: Response) {
    const sessions = await this.accountSessions.list(session);
    if (wantsJson(req)) return res.setHeader('Cache-Control', 'no-store').json({ sessions });
    this.pages.send(req, res, PAGE, { title: 'Sessions', sessions });
  }

  @Post('revoke-others')
  @HttpCode(204)
  @FreshAuth(300)
  @FormPage(PAGE)
  @ApiOperation({
    operationId: 'revokeOtherSessions',
    summary: 'End every other session',
    description:
      'Ends every session of the account but this one: each is signed out at its next request, on every instance. Needs a sign-in or step-up of the last 5 minutes. A form post gets a 303 to the list instead.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiNoContentResponse({ description: 'The other sessions are ended' })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required')
  async revokeOthers(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.accountSessions.endOthers(session);
    reply(req, res, '/account/sessions');
  }

  @Delete(':id')
  @HttpCode(204)
  @FreshAuth(300)
  @ApiOperation({
    operationId: 'endSession',
    summary: 'End one session',
    description:
      'Ends one session of the account by its public id (this one too, which signs it out): it is signed out at its next request, on every instance. Needs a sign-in or step-up of the last 5 minutes.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiNoContentResponse({ description: 'The session is ended' })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'not_found:session')
  async end(
    @Param('id') id: string,
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @Res() res: Response,
  ) {
    await this.accountSessions.end(session, id);
    res.setHeader('Cache-Control', 'no-store').status(204).end();
  }

  /** The form way to `DELETE /account/sessions/:id` (HTML forms cannot send DELETE). */
  @Post(':id/end')
  @FreshAuth(300)
  @FormPage(PAGE)
  @ApiExcludeEndpoint()
  async endByForm(
    @Param('id') id: string,
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.accountSessions.end(session, id);
    reply(req, res, '/account/sessions');
  }
}
