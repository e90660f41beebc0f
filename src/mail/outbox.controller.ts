import { Controller, Get, NotFoundException, Optional, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { wantsJson } from '../http/negotiation.js';
import { ViewRenderer } from '../view/index.js';
import { MailSender } from './mail-sender.js';
import { OutboxMailSender } from './outbox-mail.sender.js';

/** `GET /dev/outbox`: the development outbox, newest first. 404 unless the outbox is the sender. */
@Controller('dev/outbox')
export class OutboxController {
  constructor(
    private readonly sender: MailSender,
    @Optional() private readonly views?: ViewRenderer,
  ) {}

  @Get()
  list(@Req() req: Request, @Res() res: Response) {
    if (!(this.sender instanceof OutboxMailSender)) throw new NotFoundException();
    const mails = this.sender.list().map(({ to, subject, text, sentAt }) => ({ to, subject, text, sentAt }));
    res.setHeader('Cache-Control', 'no-store');
    if (wantsJson(req) || !this.views) return res.json({ mails });
    res.type('html').send(this.views.render('pages/outbox', { title: 'Outbox', mails, form: false }, 'layouts/main'));
  }
}
