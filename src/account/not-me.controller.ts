import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { FormPage, Public, reply } from '../http/index.js';
import { ApiErrors, POST_ERRORS, SecuredAnswer } from '../http/openapi.js';
import { PageRenderer } from '../view/index.js';
import { NotMeDto } from './dto/not-me.dto.js';
import { NotMeService } from './not-me.service.js';

/** "This wasn't me": `GET /account/not-me?t=` (a page with one button) and `POST /account/not-me`. */
@Controller('account/not-me')
@Public()
@ApiTags('account')
export class NotMeController {
  constructor(
    protected readonly notMe: NotMeService,
    protected readonly pages: PageRenderer,
  ) {}

  /** Shows the button only: a mail scanner's GET changes nothing. */
  @Get()
  @ApiExcludeEndpoint()
  page(@Query('t') token: unknown, @Req() req: Request, @Res() res: Response) {
    const t = typeof token === 'string' && token.length <= 200 ? token : '';
    this.pages.send(req, res, 'pages/not-me', { title: 'This was not me', token: t });
  }

  @Post()
  @HttpCode(200)
  @FormPage('pages/not-me')
  @ApiOperation({
    operationId: 'notMe',
    summary: '“This wasn’t me”',
    description:
      'The token of a security notice’s link (single use, bound to the account and the notice, 7 days): ends every session of the account, forgets every remembered and known browser, and in password mode requires a password reset before the next sign-in. A form post gets a 303 to `next` instead.',
  })
  @ApiBody({ type: NotMeDto })
  @ApiOkResponse({ description: 'The account is secured', type: SecuredAnswer })
  @ApiErrors(...POST_ERRORS, 'link_expired')
  async secure(@Body() body: NotMeDto, @Req() req: Request, @Res() res: Response) {
    const answer = await this.notMe.secure(body.token);
    reply(req, res, answer.next, answer);
  }
}
