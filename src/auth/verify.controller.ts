import { Body, Controller, Get, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, PageRenderer, reply } from '../http/index.js';
import { ChallengeService } from './challenge.service.js';
import { VerifyDto } from './dto/index.js';
import { VerifyPageInterceptor } from './verify-page.interceptor.js';

/** `GET /verify` (the code page), `POST /verify` (check the code), `POST /verify/resend`. */
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
  async resend(@Req() req: Request, @Res() res: Response) {
    reply(req, res, '/verify', await this.challenges.resend(req));
  }
}
