import { Module } from '@nestjs/common';
import { OutboxController } from './outbox.controller.js';

/**
 * `GET /dev/outbox`, the development outbox. Import it only when mail goes to the outbox
 * (`MailModule.forRoot({ transport: 'outbox' })`) and never in production: without it the route
 * does not exist at all.
 */
@Module({ controllers: [OutboxController] })
export class DevOutboxModule {}
