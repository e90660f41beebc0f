import { Body, Controller, Get, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptLanguages, EmptyBody, FormPage, JsonOnly, Public, reply } from '../http/index.js';
import { ChallengeExpiredError } from '../otp/index.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { ChallengeService } from './challenge.service.js';
import { VerifyDto } from './dto/index.js';
import { VerifyPageInterceptor } from './verify-page.interceptor.js';

/** `GET /verify` (the code page), `GET /verify/status`, `POST /verify` (check the answer), `POST /verify/resend`. */
@Controller('verify')
@Public()
export class VerifyController {
  constructor(
    protected readonly challenges: ChallengeService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  async page(@CurrentSession() session: SessionHandle, @Req() req: Request, @Res() res: Response) {
    const pending = await this.challenges.pending(session);
    if (!pending) return res.redirect(303, '/auth');
    this.pages.send(req, res, 'pages/verify', { title: 'Enter your code', pending });
  }

  /**
   * `GET /verify/status`: the pending step for the page script (it polls this to learn that a mail
   * could not be delivered). `200 {status:"pending", step, factors, expiresAt, attemptsRemaining,
   * resendAfter, delivery:"sent"|"failed"}`; 410 `challenge_expired` when none is pending.
   */
  @Get('status')
  @JsonOnly()
  async status(@CurrentSession() session: SessionHandle) {
    const pending = await this.challenges.pending(session);
    if (!pending) throw new ChallengeExpiredError();
    const { step, factors, expiresAt, attemptsRemaining, resendAfter, delivery } = pending;
    return { status: 'pending', step, factors, expiresAt, attemptsRemaining, resendAfter, delivery };
  }

  @Post()
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  async verify(
    @Body() body: VerifyDto,
    @CurrentSession() session: SessionHandle,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const answer = await this.challenges.verify(session, body);
    reply(req, res, answer.status === 'authenticated' ? answer.next : '/verify', answer);
  }

  @Post('resend')
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  async resend(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/verify', await this.challenges.resend(session, locales));
  }
}
