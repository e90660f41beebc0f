import { Body, Controller, Get, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EmptyBody, FormPage, JsonOnly, reply } from '../http/index.js';
import { PageRenderer } from '../view/index.js';
import { ChallengeExpiredError } from '../otp/index.js';
import { ChallengeService } from './challenge.service.js';
import { VerifyDto } from './dto/index.js';
import { VerifyPageInterceptor } from './verify-page.interceptor.js';

/** `GET /verify` (the code page), `GET /verify/status`, `POST /verify` (check the code), `POST /verify/resend`. */
@Controller('verify')
export class VerifyController {
  constructor(
    protected readonly challenges: ChallengeService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response) {
    const pending = req.session ? await this.challenges.pending(req) : null;
    if (!pending) return res.redirect(303, '/auth');
    this.pages.send(req, res, 'pages/verify', { title: 'Enter your code', pending });
  }

  /**
   * `GET /verify/status`: the pending challenge for the page script (it polls this to learn that a
   * mail could not be delivered). `200 {status:"pending", expiresAt, attemptsRemaining, resendAfter,
   * delivery:"sent"|"failed"}`; 410 `challenge_expired` when none is pending.
   */
  @Get('status')
  @JsonOnly()
  async status(@Req() req: Request) {
    const pending = req.session ? await this.challenges.pending(req) : null;
    if (!pending) throw new ChallengeExpiredError();
    const { expiresAt, attemptsRemaining, resendAfter, delivery } = pending;
    return { status: 'pending', expiresAt, attemptsRemaining, resendAfter, delivery };
  }

  @Post()
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  async verify(@Body() body: VerifyDto, @Req() req: Request, @Res() res: Response) {
    const next = await this.challenges.verify(req, body.code);
    reply(req, res, next, { status: 'authenticated', next });
  }

  @Post('resend')
  @FormPage('pages/verify')
  @UseInterceptors(VerifyPageInterceptor)
  async resend(@Body() _body: EmptyBody, @Req() req: Request, @Res() res: Response) {
    reply(req, res, '/verify', await this.challenges.resend(req));
  }
}
