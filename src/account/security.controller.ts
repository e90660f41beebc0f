import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiCookieAuth,
  ApiExcludeEndpoint,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthGuard, CurrentUser, FreshAuth, type SessionUser } from '../auth/index.js';
import { AcceptLanguages, EmptyBody, FormPage, reply, wantsJson } from '../http/index.js';
import { ApiErrors, POST_ERRORS, RecoveryCodesAnswer, TotpEnabledAnswer, TotpSetupAnswer } from '../http/openapi.js';
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
@ApiTags('account')
@ApiCookieAuth('sid')
export class SecurityController {
  constructor(
    protected readonly security: AccountSecurityService,
    protected readonly pages: PageRenderer,
  ) {}

  /** `GET /account/security`. */
  @Get('security')
  // A page (HTML for browsers), not part of the JSON API the OpenAPI document describes: its forms
  // post to the JSON routes documented beside it.
  @ApiExcludeEndpoint()
  async page(
    @Query('passkey') passkey: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.pages.send(req, res, PAGE, {
      title: 'Security',
      user,
      state: await this.security.state(user.email),
      // The page script comes back here after adding a passkey.
      passkeyAdded: passkey === 'added',
    });
  }

  /**
   * `POST /account/totp/setup`: `200 {secret, otpauthUrl, qrSvg}`; the secret waits 10 minutes.
   * Needs a fresh second factor like removal does: from a stale session, adding an app would make
   * the next sign-in need a factor the owner does not have.
   */
  @Post('totp/setup')
  @HttpCode(200)
  @FreshAuth(300)
  @FormPage(PAGE)
  @ApiOperation({
    operationId: 'totpSetup',
    summary: 'Add an authenticator app',
    description:
      'A new secret for an authenticator app; it waits 10 minutes for its first code at `POST /account/totp/confirm`. Needs a sign-in (or step-up) of the last 5 minutes, and an account without an authenticator (409 otherwise: remove it first). A form post gets the security page with the QR code instead.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiOkResponse({ description: 'The new secret, to show once', type: TotpSetupAnswer })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'totp_already_enabled')
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
  // Not @FreshAuth: the setup it confirms was fresh, and its secret waits 10 minutes.
  @FormPage(PAGE)
  @ApiOperation({
    operationId: 'totpConfirm',
    summary: 'Turn the authenticator app on',
    description:
      "Confirms the new authenticator with its first code: from now on it is the account's second factor. Makes the first recovery codes (shown once), counts `totp` for this session (a new session id) and mails the owner a notice. A form post gets the security page with the codes instead.",
  })
  @ApiBody({ type: TotpConfirmDto })
  @ApiOkResponse({ description: 'The authenticator is on', type: TotpEnabledAnswer })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'invalid_code:totp', 'challenge_expired:totp')
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
  @ApiOperation({
    operationId: 'totpDisable',
    summary: 'Remove the authenticator app',
    description:
      'Removes the authenticator and the recovery codes that stand in for it, and mails the owner a notice. Needs a sign-in (or step-up) of the last 5 minutes. A form post gets a 303 to `/account/security` instead.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiNoContentResponse({ description: 'Removed (or there was none)' })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required')
  async disable(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.security.disable(session, locales);
    reply(req, res, '/account/security');
  }

  /** `POST /account/recovery-codes`: `200 {recoveryCodes:[10]}`; the old set is void; needs a fresh second factor. */
  @Post('recovery-codes')
  @HttpCode(200)
  @FreshAuth(300)
  @FormPage(PAGE)
  @ApiOperation({
    operationId: 'recoveryCodes',
    summary: 'Make new recovery codes',
    description:
      'A new set of 10 recovery codes, shown once; the previous set stops working, and the owner is mailed a notice. Needs an authenticator app or a passkey, and a sign-in (or step-up) of the last 5 minutes. A form post gets the security page with the codes instead.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiOkResponse({ description: 'The new codes', type: RecoveryCodesAnswer })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'no_authenticator')
  async regenerate(
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const recoveryCodes = await this.security.regenerate(session, locales);
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
