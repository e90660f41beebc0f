import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthGuard, CurrentUser, type SessionUser } from '../auth/index.js';
import { wantsJson } from '../http/index.js';
import { ActivityAnswer, ApiErrors } from '../http/openapi.js';
import { PageRenderer } from '../view/index.js';
import { ACTIVITY_KEEP } from './activity.listener.js';
import { AccountStore } from './account-store.js';

/** `GET /account/activity`: the account's last 50 security events (a page, or JSON). */
@Controller('account/activity')
@UseGuards(AuthGuard)
@ApiTags('account')
@ApiCookieAuth('sid')
export class ActivityController {
  constructor(
    protected readonly store: AccountStore,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'activity',
    summary: 'Recent security activity',
    description:
      'The account’s last 50 security events, newest first, kept 90 days: the time, the event, and the browser and network when known. Never a code, a password, a token or a session id. A browser gets the page instead.',
  })
  @ApiOkResponse({ description: 'The events', type: ActivityAnswer })
  @ApiErrors('unauthenticated', 'unavailable')
  async list(@CurrentUser() user: SessionUser, @Req() req: Request, @Res() res: Response) {
    const entries = await this.store.activity(user.email, ACTIVITY_KEEP);
    const activity = entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
    if (wantsJson(req)) return res.setHeader('Cache-Control', 'no-store').json({ activity });
    this.pages.send(req, res, 'pages/account-activity', { title: 'Activity', activity });
  }
}
