import { Controller, Get } from '@nestjs/common';
import { CurrentUser, type SessionUser } from 'nest-mfa-signin';

/** `GET /reports`: signed in only. No `@UseGuards`: the global `AuthGuard` covers every route. */
@Controller('reports')
export class ReportsController {
  @Get()
  list(@CurrentUser() user: SessionUser) {
    return { owner: user.email, aal: user.aal, reports: [{ id: 'q3-revenue', title: 'Q3 revenue' }] };
  }
}
