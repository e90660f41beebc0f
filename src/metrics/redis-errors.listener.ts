import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { REDIS_CLIENT, REDIS_FAILURE_CHANNEL, type RedisClient, type RedisFailure } from '../redis/index.js';
import { labelValue, MetricsService } from './metrics.service.js';

/**
 * Counts Redis failures: the shared client's `error` events (`connection`: a dropped or refused
 * connection, each reconnection attempt that fails), and every call that failed (`command`) or got
 * no answer in time (`timeout`), as published on {@link REDIS_FAILURE_CHANNEL} by `redisCall` and
 * `withDeadline`. That channel is the process's: two apps in one process count each other's.
 */
@Injectable()
export class RedisErrorsListener implements OnModuleInit, OnModuleDestroy {
  private readonly onClientError = () => this.metrics.redisErrors.inc({ kind: 'connection' });
  private readonly onFailure = (message: unknown) =>
    this.metrics.redisErrors.inc({ kind: labelValue((message as RedisFailure | undefined)?.kind) });

  constructor(
    protected readonly metrics: MetricsService,
    @Optional() @Inject(REDIS_CLIENT) protected readonly client?: RedisClient | null,
  ) {}

  onModuleInit(): void {
    this.client?.on('error', this.onClientError);
    subscribe(REDIS_FAILURE_CHANNEL, this.onFailure);
  }

  onModuleDestroy(): void {
    this.client?.off('error', this.onClientError);
    unsubscribe(REDIS_FAILURE_CHANNEL, this.onFailure);
  }
}
