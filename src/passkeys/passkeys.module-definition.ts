import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { PasskeyStore } from './passkey-store.js';

/** Options of {@link PasskeysModule}. */
export interface PasskeysModuleOptions {
  /**
   * The WebAuthn relying party id (W3C WebAuthn §5.1.2 `rp.id`): a host name, APP_URL's. Passkeys
   * are bound to it: changing it makes every passkey useless.
   */
  rpId: string;
  /** The relying party's name, shown by some authenticators (default `Sign-in`). */
  rpName?: string;
  /** The origins a response may come from (APP_URL's origin); each must be `rpId` or under it. */
  origins: string[];
  /**
   * Key of the WebAuthn user handle (`user.id`), HMAC-SHA256 of the email with it: opaque, stable
   * per account, never the email (W3C WebAuthn §14.6.1). At least 32 bytes.
   */
  userHandleKey: Buffer;
  /** Another {@link PasskeyStore}; by default Redis when a client exists, else memory. */
  store?: Type<PasskeyStore>;
  /** Redis key prefix of the default store (default `pk:`). */
  keyPrefix?: string;
}

/**
 * `PasskeysModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default true).
 * DI errors name the module `Passkeys`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: PASSKEYS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<PasskeysModuleOptions>({ moduleName: 'Passkeys' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link PasskeysModuleOptions}). */
export const InjectPasskeysOptions = () => Inject(PASSKEYS_MODULE_OPTIONS);

/**
 * Throws when the options cannot work, with what to change: browsers refuse an origin that is not
 * the relying party id or under it (W3C WebAuthn §5.1.4.1 step 8).
 */
export function assertPasskeysOptions(o: PasskeysModuleOptions): void {
  if (!/^[a-z0-9.-]+$/i.test(o.rpId) || o.rpId.startsWith('.') || o.rpId.endsWith('.')) {
    throw new Error(`PasskeysModule: rpId must be a host name (APP_URL's), got "${o.rpId}"`);
  }
  if (!o.origins.length) throw new Error('PasskeysModule: origins must list at least one origin (APP_URL’s)');
  for (const origin of o.origins) {
    let host: string;
    try {
      host = new URL(origin).hostname;
    } catch {
      throw new Error(`PasskeysModule: "${origin}" is not an origin`);
    }
    if (host !== o.rpId && !host.endsWith(`.${o.rpId}`)) {
      throw new Error(`PasskeysModule: the origin ${origin} is not on the relying party id ${o.rpId}`);
    }
  }
  if (!Buffer.isBuffer(o.userHandleKey) || o.userHandleKey.length < 32) {
    throw new Error('PasskeysModule: userHandleKey must be a Buffer of at least 32 bytes');
  }
}
