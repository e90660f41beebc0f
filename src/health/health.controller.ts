import { Controller, Get, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../database/index.js';
import { MailSender } from '../mail/index.js';
import { RedisHealthIndicator } from '../redis/index.js';

/** Probes: `GET /health/live` (the process answers) and `GET /health/ready` (Redis, PostgreSQL when configured, and mail work). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisHealthIndicator,
    private readonly mail: MailSender,
    @Optional() private readonly database?: DatabaseHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.redis.isHealthy('redis'),
      ...(this.database ? [() => this.database!.isHealthy('database')] : []),
      async () => {
        const mail = this.indicators.check('mail');
        return (await this.mail.isReady()) ? mail.up() : mail.down({ message: 'transport not ready' });
      },
    ]);
  }
}
