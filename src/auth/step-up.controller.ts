import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptLanguages, EmptyBody, FormPage, reply } from '../http/index.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { AuthGuard } from './auth.guard.js';
import { StepUpService } from './step-up.service.js';

/**
 * `GET /step-up` (a page: confirm it is you) and `POST /step-up` (start a fresh second-factor check
 * of the signed-in account, finished at `POST /verify`).
 */
@Controller('step-up')
@UseGuards(AuthGuard)
export class StepUpController {
  constructor(
    protected readonly stepUp: StepUpService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, 'pages/step-up', { title: 'Confirm it is you' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/step-up')
  async start(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/verify', await this.stepUp.start(session, locales));
  }
}
