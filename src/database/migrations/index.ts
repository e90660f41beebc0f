import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_accounts.js';
import * as m0002 from './0002_passkeys.js';
import * as m0003 from './0003_devices.js';
import * as m0004 from './0004_devices_last_used.js';

/**
 * Every migration, by name, in the order they apply. Listed in code rather than read from a folder,
 * so the same list works from `dist/`, from vitest and from a bundle. Add new ones at the end,
 * named `NNNN_what`; never rename or edit one that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_accounts': m0001,
  '0002_passkeys': m0002,
  '0003_devices': m0003,
  '0004_devices_last_used': m0004,
});

/** A Kysely {@link MigrationProvider} that answers {@link MIGRATIONS}. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(protected readonly migrations: Readonly<Record<string, Migration>> = MIGRATIONS) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.migrations };
  }
}
