import { Controller, Get } from '@nestjs/common';
import { CurrentUser, RequireAal, type SessionUser } from 'nest-mfa-signin';

/** `GET /admin`: only for a session that passed two distinct factors (AAL2). */
@Controller('admin')
export class AdminController {
  @Get()
  @RequireAal(2)
  overview(@CurrentUser() user: SessionUser) {
    return { admin: user.email, aal: user.aal, factors: user.factors };
  }
}
