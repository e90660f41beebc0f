import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { EmptyBody, JsonOnly, Public } from '../http/index.js';
import {
  ApiErrors,
  ApiStepAnswer,
  AuthenticatedAnswer,
  PasskeyRequestOptionsAnswer,
  POST_ERRORS,
  SecondFactorRequiredAnswer,
} from '../http/openapi.js';
import { CurrentSession, type SessionHandle } from '../session/index.js';
import { PasskeyAssertionDto } from './dto/passkey.dto.js';
import { PasskeySignIn } from './passkey-sign-in.service.js';

/**
 * `POST /passkey/options` and `POST /passkey/verify`: signing in with a passkey, or answering a
 * pending second-factor step or step-up with one. JSON only: the pages call them from script.
 */
@Controller('passkey')
@Public()
@JsonOnly()
@ApiTags('sign-in')
export class PasskeySignInController {
  constructor(protected readonly passkeys: PasskeySignIn) {}

  @Post('options')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'passkeyOptions',
    summary: 'Ask to sign in with a passkey',
    description:
      "WebAuthn request options (`PublicKeyCredentialRequestOptionsJSON`) for `navigator.credentials.get()`. Without a pending step: any discoverable credential of this site, user verification required. At a pending second-factor step (or step-up) that offers `passkey`: that account's passkeys, user verification preferred. The challenge is single use, expires in 5 minutes and is bound to this browser: to its session, or, for a browser without one (the sign-in page asks on every view), to a random value in a `passkey` cookie (`__Host-passkey` on https) of the same 5 minutes; no session is started for it.",
  })
  @ApiBody({ type: EmptyBody, required: false })
  @ApiOkResponse({ description: 'The request options', type: PasskeyRequestOptionsAnswer })
  @ApiErrors(...POST_ERRORS)
  async options(@Body() _body: EmptyBody, @CurrentSession() session: SessionHandle, @Res() res: Response) {
    const options = await this.passkeys.requestOptions(session);
    res.setHeader('Cache-Control', 'no-store').json(options);
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'passkeyVerify',
    summary: 'Sign in with a passkey',
    description:
      'The assertion answering this session\'s request options. Without a pending step it signs in at once: a passkey with user verification counts as two factors (`aal` 2, `factors` `["passkey"]`, `amr` `hwk` or `swk`, `user`, `mfa`), so no other factor is asked. At a pending step it passes that step with `passkey`. The session moves to a new id. An unknown passkey, a wrong signature, origin or challenge, a replay, and a counter that went backwards all answer the same 401; one with a passkey of an account counts toward that account\'s lock.',
  })
  @ApiBody({ type: PasskeyAssertionDto })
  @ApiStepAnswer('Signed in (or, at a step, what is next)', {
    authenticated: AuthenticatedAnswer,
    second_factor_required: SecondFactorRequiredAnswer,
  })
  @ApiErrors(...POST_ERRORS, 'invalid_passkey', 'challenge_expired', 'locked')
  async verify(@Body() body: PasskeyAssertionDto, @CurrentSession() session: SessionHandle, @Res() res: Response) {
    const answer = await this.passkeys.verify(session, body.response);
    res.setHeader('Cache-Control', 'no-store').json(answer);
  }
}
