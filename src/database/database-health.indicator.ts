import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'kysely';
import { InjectDatabase } from './database.constants.js';
import type { Database } from './database.types.js';

/** Readiness of the shared database: `select 1` within the pool's query timeout (2 s by default). */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDatabase() protected readonly db: Database,
    protected readonly health: HealthIndicatorService,
  ) {}

  /** `{ [key]: { status: 'up' } }`, or `down` with a message that never includes the URL. */
  async isHealthy(key = 'database') {
    const indicator = this.health.check(key);
    try {
      await sql`select 1`.execute(this.db);
      return indicator.up();
    } catch {
      return indicator.down({ message: 'no answer to select 1' });
    }
  }
}
