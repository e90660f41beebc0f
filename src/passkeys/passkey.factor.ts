import { Injectable, type OnModuleInit } from '@nestjs/common';
import { FactorRegistry, SecondFactor } from '../auth/index.js';
import { PasskeyStore } from './passkey-store.js';

/**
 * The passkey as a second factor (`passkey`, primary: an account with a passkey must pass it, or
 * another of its second factors, at every sign-in with a password or an emailed code). It has no
 * `POST /verify` field: it is answered at `POST /passkey/verify`, which also signs in with it alone
 * (with user verification it counts as two factors: {@link multiFactor}). Its `amr` is `user`, and
 * each proof adds `hwk` (a passkey bound to its authenticator) or `swk` (a synced one).
 */
@Injectable()
export class PasskeyFactor extends SecondFactor implements OnModuleInit {
  readonly id = 'passkey';
  readonly kind = 'primary';
  readonly field = undefined;
  override readonly amr = ['user'];
  override readonly multiFactor = true;

  constructor(
    protected readonly store: PasskeyStore,
    protected readonly registry: FactorRegistry,
  ) {
    super();
  }

  onModuleInit() {
    this.registry.register(this);
  }

  /** Never through `POST /verify`: a passkey answers at `POST /passkey/verify`. */
  isWellFormed(): boolean {
    return false;
  }

  async isEnrolled(identifier: string): Promise<boolean> {
    return (await this.store.list(identifier)).length > 0;
  }

  /** Never through `POST /verify` (see {@link isWellFormed}). */
  async verify(): Promise<boolean> {
    return false;
  }
}
