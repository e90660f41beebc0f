import { Injectable, Optional } from '@nestjs/common';
import { DevicesService } from '../devices/index.js';
import { type PasskeyActor, PasskeyRegistration, type PasskeyView } from '../passkeys/index.js';
import type { SessionHandle } from '../session/index.js';
import { AccountSecurityService } from './account-security.service.js';

/**
 * The owner adding and removing passkeys, with what any change of second factors brings: remembered
 * browsers are forgotten (each must pass the new set), and removing the last primary factor drops
 * the recovery codes. Notices are mailed on the `passkey.*` events.
 */
@Injectable()
export class AccountPasskeysService {
  constructor(
    protected readonly passkeys: PasskeyRegistration,
    protected readonly security: AccountSecurityService,
    @Optional() protected readonly devices?: DevicesService,
  ) {}

  /** @see PasskeyRegistration.add */
  async add(session: SessionHandle, actor: PasskeyActor, response: unknown, name?: string): Promise<PasskeyView> {
    const added = await this.passkeys.add(session, actor, response, name);
    await this.devices?.forgetAll(actor.email, 'remembered');
    return added;
  }

  /** @see PasskeyRegistration.remove */
  async remove(actor: PasskeyActor, id: string): Promise<void> {
    await this.passkeys.remove(actor, id);
    await this.devices?.forgetAll(actor.email, 'remembered');
    await this.security.dropOrphanCodes(actor.email);
  }
}
