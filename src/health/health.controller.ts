import { Controller, Get, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../http/index.js';
import { HealthAnswer, HealthNotReadyBody } from '../http/openapi.js';
import { DatabaseHealthIndicator } from '../database/index.js';
import { MailSender } from '../mail/index.js';
import { RedisHealthIndicator } from '../redis/index.js';
import { ShutdownState } from './shutdown.state.js';

/** Probes: `GET /health/live` (the process answers) and `GET /health/ready` (Redis, PostgreSQL when configured, and mail work). */
@Controller('health')
@Public()
@ApiTags('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisHealthIndicator,
    private readonly mail: MailSender,
    private readonly shutdown: ShutdownState,
    @Optional() private readonly database?: DatabaseHealthIndicator,
  ) {}

  @Get('live')
  // terminus' own description would not show this app's error body: described here instead.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness probe', description: 'The process answers.' })
  @ApiOkResponse({ description: 'Alive', type: HealthAnswer })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness probe',
    description:
      'The process is not shutting down (SIGTERM), Redis answers a PING (or the in-process stores are used), PostgreSQL answers when `DATABASE_URL` is set, and the mail transport is ready.',
  })
  @ApiOkResponse({ description: 'Ready', type: HealthAnswer })
  @ApiServiceUnavailableResponse({ description: 'A check is down', type: HealthNotReadyBody })
  ready() {
    return this.health.check([
      () => {
        const process = this.indicators.check('shutdown');
        return this.shutdown.draining ? process.down({ message: 'shutting down' }) : process.up();
      },
      () => this.redis.isHealthy('redis'),
      ...(this.database ? [() => this.database!.isHealthy('database')] : []),
      async () => {
        const mail = this.indicators.check('mail');
        return (await this.mail.isReady()) ? mail.up() : mail.down({ message: 'transport not ready' });
      },
    ]);
  }
}
