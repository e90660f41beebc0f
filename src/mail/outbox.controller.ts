import { Controller, Get, NotFoundException, Optional, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, wantsJson } from '../http/index.js';
import { ApiErrors, OutboxAnswer } from '../http/openapi.js';
import { ViewRenderer } from '../view/index.js';
import { MailSender } from './mail-sender.js';
import { OutboxMailSender } from './outbox-mail.sender.js';

/** `GET /dev/outbox`: the development outbox, newest first. 404 unless the outbox is the sender. */
@Controller('dev/outbox')
@Public()
@ApiTags('development')
export class OutboxController {
  constructor(
    private readonly sender: MailSender,
    @Optional() private readonly views?: ViewRenderer,
  ) {}

  @Get()
  // Both a page and JSON, so it is described with both (the other pages are left out of the document).
  @ApiOperation({
    operationId: 'devOutbox',
    summary: 'The development outbox',
    description:
      'Every mail the app sent, newest first, when there is no `SMTP_URL` (never in production): JSON with `Accept: application/json`, else a page.',
  })
  @ApiProduces('application/json', 'text/html')
  @ApiExtraModels(OutboxAnswer)
  @ApiOkResponse({
    description: 'The mails',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(OutboxAnswer) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiErrors('not_found:outbox', 'rate_limited')
  list(@Req() req: Request, @Res() res: Response) {
    if (!(this.sender instanceof OutboxMailSender)) throw new NotFoundException();
    const mails = this.sender.list().map(({ to, subject, text, sentAt }) => ({ to, subject, text, sentAt }));
    res.setHeader('Cache-Control', 'no-store');
    if (wantsJson(req) || !this.views) return res.json({ mails });
    res.type('html').send(this.views.render('pages/outbox', { title: 'Outbox', mails, form: false }, 'layouts/main'));
  }
}
