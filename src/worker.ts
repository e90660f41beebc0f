import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type DynamicModule, type INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { MailerModule } from '@nestjs-modules/mailer';
import { appOptions } from './app.options.js';
import { AUTH_MODULE_OPTIONS } from './auth/auth.module-definition.js';
import { UndeliveredCodeListener } from './auth/undelivered-code.listener.js';
import { type AppConfig, ConfigError, loadConfig, loadDotEnv } from './config/app.config.js';
import { enableGracefulShutdown } from './health/index.js';
import { AppLogger, createPinoLogger } from './logging/index.js';
import { MailModule } from './mail/index.js';
import { MetricsModule } from './metrics/index.js';
import { OtpModule } from './otp/index.js';
import { RedisModule } from './redis/index.js';
import { ViewModule } from './view/index.js';

/**
 * The mail worker on its own (`node dist/worker.js`): takes the durable queue's jobs, renders and
 * sends them, and marks a challenge whose code mail failed for good (as the server does with
 * `MAIL_WORKER=inline`). Nothing else: no HTTP, no sessions, no accounts. Built from the same
 * validated config as the server.
 */
@Module({})
export class WorkerModule {
  /** @throws ConfigError when the config has no Redis queue or no SMTP server to deliver to. */
  static forRoot(config: AppConfig): DynamicModule {
    const mail = appOptions.mail(config);
    if (!mail.queue)
      throw new ConfigError(
        'The mail worker needs REDIS_URL or REDIS_CLUSTER_NODES: without Redis the server delivers its own mail.',
      );
    if (config.mailQueueTemporary) {
      throw new ConfigError(
        "The mail worker needs MAIL_QUEUE when NODE_ENV=test: the server's queue is its own otherwise.",
      );
    }
    if (!config.smtpUrl) {
      throw new ConfigError(
        'The mail worker needs SMTP_URL: the development outbox lives in the server (run it with MAIL_WORKER=inline).',
      );
    }
    return {
      module: WorkerModule,
      imports: [
        EventEmitterModule.forRoot(),
        RedisModule.forRoot(appOptions.redis(config)),
        ViewModule.forRoot(appOptions.view(config)),
        MailerModule.forRoot(appOptions.mailer(config)),
        // This process is the worker, whatever MAIL_WORKER says (that tells the server).
        MailModule.forRoot({ ...mail, queue: { ...mail.queue, worker: true } }),
        OtpModule.forRoot(appOptions.otp(config)),
        // Mail counters and the queue's depth on METRICS_PORT (a worker has no public port).
        ...(config.metricsPort !== undefined ? [MetricsModule.forRoot(appOptions.metrics(config))] : []),
      ],
      // The listener needs the sign-in rules (which flows mail unknown addresses), as the server has them.
      providers: [UndeliveredCodeListener, { provide: AUTH_MODULE_OPTIONS, useValue: appOptions.auth(config) }],
    };
  }
}

/**
 * Boots the worker: an application context that stops gracefully on SIGTERM (the jobs in hand
 * finish first, within `SHUTDOWN_TIMEOUT_SECONDS`; no grace period: it serves no traffic).
 */
export async function createWorker(config: AppConfig = loadConfig()): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new AppLogger(createPinoLogger({ level: config.logLevel, format: config.logFormat })),
  });
  enableGracefulShutdown(app, { graceSeconds: 0, timeoutSeconds: config.shutdown.timeoutSeconds });
  return app;
}

async function bootstrap() {
  loadDotEnv();
  try {
    const config = loadConfig();
    await createWorker(config);
    new Logger('Bootstrap').log(`Mail worker delivering the queue ${config.mailQueue}`);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

// Run when started as `node dist/worker.js`, not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) void bootstrap();
