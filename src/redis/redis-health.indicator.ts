import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectRedis, type RedisClient } from './redis.constants.js';
import { withDeadline } from './redis-unavailable.error.js';

/** Readiness of the shared Redis: a PING within the command timeout. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @InjectRedis() protected readonly client: RedisClient | null,
    protected readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'redis') {
    const indicator = this.health.check(key);
    if (!this.client) return indicator.up({ mode: 'embedded' });
    try {
      if (!this.client.isReady) return indicator.down({ message: 'not connected' });
      await withDeadline(this.client.ping());
      return indicator.up();
    } catch {
      return indicator.down({ message: 'no answer to PING' });
    }
  }
}
