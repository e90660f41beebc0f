import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthGuard, CurrentUser, FreshAuth, type SessionUser } from '../auth/index.js';
import { AcceptLanguages, clientInfo, EmptyBody, FormPage, JsonOnly, reply } from '../http/index.js';
import {
  ApiErrors,
  PasskeyAddedAnswer,
  PasskeyCreationOptionsAnswer,
  PasskeysAnswer,
  PasskeyViewAnswer,
  POST_ERRORS,
} from '../http/openapi.js';
import { AddPasskeyDto, type PasskeyActor, PasskeyRegistration, RenamePasskeyDto } from '../passkeys/index.js';
import { AccountPasskeysService } from './account-passkeys.service.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { SecurityPageInterceptor } from './security-page.interceptor.js';

const PAGE = 'pages/account-security';

/**
 * The account's passkeys (signed in): add one (`POST /account/passkeys/options`, then
 * `POST /account/passkeys`), list, rename and remove them. Every change needs a sign-in or step-up
 * of the last 5 minutes, and mails the owner a notice (adding and removing). The security page
 * shows them; its forms post to `/account/passkeys/:id/rename` and `/remove`.
 */
@Controller('account/passkeys')
@UseGuards(AuthGuard)
@UseInterceptors(SecurityPageInterceptor)
@ApiTags('account')
@ApiCookieAuth('sid')
export class PasskeysController {
  constructor(
    protected readonly passkeys: PasskeyRegistration,
    protected readonly account: AccountPasskeysService,
  ) {}

  @Get()
  @JsonOnly()
  @ApiOperation({
    operationId: 'listPasskeys',
    summary: 'The account’s passkeys',
    description: 'Oldest first, with when each was added and last used, and whether it is synced; never a key.',
  })
  @ApiOkResponse({ description: 'The passkeys', type: PasskeysAnswer })
  @ApiErrors('unauthenticated', 'unavailable')
  async list(@CurrentUser() user: SessionUser, @Res() res: Response) {
    res.setHeader('Cache-Control', 'no-store').json({ passkeys: await this.passkeys.list(user.email) });
  }

  @Post('options')
  @HttpCode(200)
  @JsonOnly()
  @FreshAuth(300)
  @ApiOperation({
    operationId: 'passkeyCreationOptions',
    summary: 'Start adding a passkey',
    description:
      'WebAuthn creation options (`PublicKeyCredentialCreationOptionsJSON`) for `navigator.credentials.create()`: a discoverable credential (resident key required), user verification preferred, no attestation, the account’s passkeys excluded. The challenge is single use, expires in 5 minutes and is bound to this session. Needs a sign-in or step-up of the last 5 minutes.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiOkResponse({ description: 'The creation options', type: PasskeyCreationOptionsAnswer })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'passkey_limit')
  async options(
    @Body() _body: EmptyBody,
    @CurrentUser() user: SessionUser,
    @CurrentSession() session: SessionHandle,
    @Res() res: Response,
  ) {
    res.setHeader('Cache-Control', 'no-store').json(await this.passkeys.creationOptions(session, user.email));
  }

  @Post()
  @HttpCode(201)
  @JsonOnly()
  @FreshAuth(300)
  @ApiOperation({
    operationId: 'addPasskey',
    summary: 'Add a passkey',
    description:
      "The new credential answering this session's creation options, checked (challenge, origin, relying party id, attestation) and stored. From now on a sign-in with a password or an emailed code asks for a passkey (or the account's other second factor); the passkey alone signs in. The owner is mailed a notice. Needs a sign-in or step-up of the last 5 minutes.",
  })
  @ApiBody({ type: AddPasskeyDto })
  @ApiCreatedResponse({ description: 'Added', type: PasskeyAddedAnswer })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'invalid_passkey:registration', 'passkey_limit')
  async add(
    @Body() body: AddPasskeyDto,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Res() res: Response,
  ) {
    const added = await this.account.add(session, this.actor(session, locales), body.response, body.name);
    res
      .setHeader('Cache-Control', 'no-store')
      .status(201)
      .json({ id: added.id, name: added.name, createdAt: added.createdAt });
  }

  @Patch(':id')
  @JsonOnly()
  @FreshAuth(300)
  @ApiOperation({
    operationId: 'renamePasskey',
    summary: 'Rename a passkey',
    description: 'Needs a sign-in or step-up of the last 5 minutes.',
  })
  @ApiBody({ type: RenamePasskeyDto })
  @ApiOkResponse({ description: 'Renamed', type: PasskeyViewAnswer })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'not_found:passkey')
  async rename(
    @Param('id') id: string,
    @Body() body: RenamePasskeyDto,
    @CurrentUser() user: SessionUser,
    @Res() res: Response,
  ) {
    res.setHeader('Cache-Control', 'no-store').json(await this.passkeys.rename(user.email, id, body.name));
  }

  @Delete(':id')
  @HttpCode(204)
  @JsonOnly()
  @FreshAuth(300)
  @ApiOperation({
    operationId: 'removePasskey',
    summary: 'Remove a passkey',
    description:
      'It no longer signs in. The owner is mailed a notice. Needs a sign-in or step-up of the last 5 minutes.',
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(...POST_ERRORS, 'unauthenticated', 'step_up_required', 'not_found:passkey')
  async remove(
    @Param('id') id: string,
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Res() res: Response,
  ) {
    await this.account.remove(this.actor(session, locales), id);
    res.setHeader('Cache-Control', 'no-store').status(204).end();
  }

  /** The form way to rename (the security page works without script). */
  @Post(':id/rename')
  @FreshAuth(300)
  @FormPage(PAGE)
  @ApiExcludeEndpoint()
  async renameByForm(
    @Param('id') id: string,
    @Body() body: RenamePasskeyDto,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    reply(req, res, '/account/security', await this.passkeys.rename(user.email, id, body.name));
  }

  /** The form way to `DELETE /account/passkeys/:id` (HTML forms cannot send DELETE). */
  @Post(':id/remove')
  @FreshAuth(300)
  @FormPage(PAGE)
  @ApiExcludeEndpoint()
  async removeByForm(
    @Param('id') id: string,
    @Body() _body: EmptyBody,
    @CurrentSession() session: SessionHandle,
    @AcceptLanguages() locales: string[],
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.account.remove(this.actor(session, locales), id);
    reply(req, res, '/account/security');
  }

  protected actor(session: SessionHandle, locales: readonly string[]): PasskeyActor {
    const client = clientInfo(session.userAgent, session.ip);
    return { email: session.data.user!.email, userAgent: session.userAgent, ...client, locales };
  }
}
