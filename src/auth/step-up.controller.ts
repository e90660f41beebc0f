import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AcceptLanguages, EmptyBody, FormPage, reply } from '../http/index.js';
import { ApiErrors, ApiStepAnswer, CodeSentAnswer, POST_ERRORS, SecondFactorRequiredAnswer } from '../http/openapi.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { AuthGuard, isLocalPath } from './auth.guard.js';
import { StepUpService } from './step-up.service.js';

/**
 * `GET /step-up[?next=/path]` (a page: confirm it is you) and `POST /step-up` (start a fresh second-factor check
 * of the signed-in account, finished at `POST /verify`).
 */
@Controller('step-up')
@UseGuards(AuthGuard)
@ApiTags('session')
@ApiCookieAuth('sid')
export class StepUpController {
  constructor(
    protected readonly stepUp: StepUpService,
    protected readonly pages: PageRenderer,
  ) {}

  @Get()
  // A page (HTML for browsers), not part of the JSON API the OpenAPI document describes: its form
  // posts to the JSON routes documented beside it.
  @ApiExcludeEndpoint()
  async page(
    @Query('next') next: unknown,
    @CurrentSession() session: SessionHandle,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    // `?next=` (a local path): where to go once confirmed, for a page script that met
    // `step_up_required` on a JSON call (the guard only remembers pages and form posts).
    if (typeof next === 'string' && isLocalPath(next)) {
      session.data.returnTo = next;
      await session.save();
    }
    this.pages.send(req, res, 'pages/step-up', { title: 'Confirm it is you' });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/step-up')
  @ApiOperation({
    operationId: 'stepUp',
    summary: 'Confirm it is you again',
    description:
      "Starts a fresh second-factor check of the signed-in account, for routes that need a recent sign-in (`step_up_required`): the account's authenticator app when it has one, else an emailed code. Finish it at `POST /verify`, which renews the sign-in time; the session stays signed in meanwhile. A form post gets a 303 to `/verify` instead.",
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiStepAnswer('A code was mailed, or the authenticator app is asked for: answer at `POST /verify`', {
    code_sent: CodeSentAnswer,
    second_factor_required: SecondFactorRequiredAnswer,
  })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'locked', 'rate_limited:mail')
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
