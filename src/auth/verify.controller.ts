import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, PageRenderer, reply, wantsJson } from '../http/index.js';
import { ChallengeService } from './challenge.service.js';
import { VerifyDto } from './dto/index.js';

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
  async verify(@Body() body: VerifyDto, @Req() req: Request, @Res() res: Response) {
    try {
      const next = await this.challenges.verify(req, body.code);
      reply(req, res, next, { status: 'authenticated', next });
    } catch (err) {
      await this.keepPageContext(req);
      throw err;
    }
  }

  @Post('resend')
  @FormPage('pages/verify')
  async resend(@Req() req: Request, @Res() res: Response) {
    try {
      reply(req, res, '/verify', await this.challenges.resend(req));
    } catch (err) {
      await this.keepPageContext(req);
      throw err;
    }
  }

  /** A form post that fails gets its page back: keep what the page shows about the challenge. */
  protected async keepPageContext(req: Request & { pageContext?: Record<string, unknown> }) {
    if (wantsJson(req) || !req.session) return;
    const pending = await this.challenges.pending(req).catch(() => null);
    req.pageContext = { pending };
  }
}
