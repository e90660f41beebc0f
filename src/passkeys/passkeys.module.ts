import { Module } from '@nestjs/common';
import { PasskeyChallenges } from './passkey-challenges.service.js';
import { PasskeyFactor } from './passkey.factor.js';
import { PasskeyRegistration } from './passkey-registration.service.js';
import { PasskeySignInController } from './passkey-sign-in.controller.js';
import { PasskeySignIn } from './passkey-sign-in.service.js';
import { PasskeyStore } from './passkey-store.js';
import { ConfigurableModuleClass, PASSKEYS_MODULE_OPTIONS } from './passkeys.module-definition.js';
import { passkeysProviders } from './passkeys.providers.js';

/**
 * Passkeys (WebAuthn, with `@simplewebauthn/server`): `POST /passkey/options` and
 * `POST /passkey/verify` sign in with one, or answer a second-factor step or a step-up with it;
 * {@link PasskeyRegistration} adds, lists, renames and removes an account's passkeys (the account
 * pages' routes use it). Registers {@link PasskeyFactor} with the sign-in flow. Needs `AuthModule`
 * and `OtpModule`.
 */
@Module({
  controllers: [PasskeySignInController],
  providers: [...passkeysProviders, PasskeyChallenges, PasskeyRegistration, PasskeySignIn, PasskeyFactor],
  exports: [PasskeyStore, PasskeyRegistration, PasskeySignIn, PasskeyFactor, PASSKEYS_MODULE_OPTIONS],
})
export class PasskeysModule extends ConfigurableModuleClass {}
