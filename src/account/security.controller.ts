import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthGuard, CurrentUser, FreshAuth, type SessionUser } from '../auth/index.js';
import { AcceptLanguages, EmptyBody, FormPage, reply, wantsJson } from '../http/index.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PageRenderer } from '../view/index.js';
import { AccountSecurityService } from './account-security.service.js';
import { TotpConfirmDto } from './dto/totp-confirm.dto.js';
import { SecurityPageInterceptor } from './security-page.interceptor.js';

const PAGE = 'pages/account-security';

/**
 * The account's security page and its routes (signed in): the authenticator app and recovery
 * codes. Removing the app and making new codes need a sign-in (or step-up) of the last 5 minutes.
 * Form posts that carry one-time data (a new secret, new codes) answer with the page itself.
 */
@Controller('account')
@UseGuards(AuthGuard)
@UseInterceptors(SecurityPageInterceptor)
export class SecurityController {
  constructor(
    protected readonly security: AccountSecurityService,
    protected readonly pages: PageRenderer,
  ) {}

  /** `GET /account/security`. */
  @Get('security')
  async page(@CurrentUser() user: SessionUser, @Req() req: Request, @Res() res: Response) {
    this.pages.send(req, res, PAGE, { title: 'Security', user, state: await this.security.state(user.email) });
  }

  /** `POST /account/totp/setup`: `200 {secret, otpauthUrl, qrSvg}`; the secret waits 10 minutes. */
  @Post('totp/setup')
  @HttpCode(200)
  @FormPage(PAGE)
  async setup(@Body() _body: EmptyBody, @CurrentUser() user: SessionUser, @Req() req: Request, @Res() res: Response) {
    const setup = await this.security.setup(user.email);
    if (wantsJson(req)) return res.setHeader('Cache-Control', 'no-store').json(setup);
    const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(setup.qrSvg).toString('base64')}`;
    const state = await this.security.state(user.email);
    this.pages.send(req, res, PAGE, {
      title: 'Security',
      user,
      state,
      setup: { ...setup, qrDataUrl },
      confirming: true,
    });
  }

  /** `POST /account/totp/confirm {code}`: `200 {status:"enabled", recoveryCodes:[10]}`, shown once. */
  @Post('totp/confirm')
  @HttpCode(200)
  @FormPage(PAGE)
  async confirm(
    @Body() body: TotpConfirmDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const recoveryCodes = await this.security.confirm(session, body.code, locales);
    if (wantsJson(req)) return res.setHeader('Cache-Control', 'no-store').json({ status: 'enabled', recoveryCodes });
    await this.render(req, res, { recoveryCodes, enabled: true });
  }

  /** `POST /account/totp/disable`: 204 (form: 303 to the page); needs a fresh second factor. */
  @Post('totp/disable')
  @FreshAuth(300)
  @FormPage(PAGE)
  async disable(
    @Body() _body: EmptyBody,
    @CurrentUser() user: SessionUser,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.security.disable(user.email, locales);
    reply(req, res, '/account/security');
  }

  /** `POST /account/recovery-codes`: `200 {recoveryCodes:[10]}`; the old set is void; needs a fresh second factor. */
  @Post('recovery-codes')
  @HttpCode(200)
  @FreshAuth(300)
  @FormPage(PAGE)
  async regenerate(
    @Body() _body: EmptyBody,
    @CurrentUser() user: SessionUser,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const recoveryCodes = await this.security.regenerate(user.email, locales);
    if (wantsJson(req)) return res.setHeader('Cache-Control', 'no-store').json({ recoveryCodes });
    await this.render(req, res, { recoveryCodes });
  }

  protected async render(req: Request, res: Response, extra: Record<string, unknown>) {
    const user = req.session.user!;
    this.pages.send(req, res, PAGE, {
      title: 'Security',
      user,
      state: await this.security.state(user.email),
      ...extra,
    });
  }
}
