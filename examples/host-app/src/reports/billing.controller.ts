import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, EmptyBody, FreshAuth, type SessionUser } from 'nest-mfa-signin';

/** `POST /billing/close`: closes the account's billing, only within 5 minutes of a sign-in or step-up. */
@Controller('billing')
export class BillingController {
  @Post('close')
  @HttpCode(200)
  @FreshAuth(300)
  close(@Body() _body: EmptyBody, @CurrentUser() user: SessionUser) {
    return { status: 'closed', by: user.email };
  }
}
