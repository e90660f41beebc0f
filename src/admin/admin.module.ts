import { type DynamicModule, Module } from '@nestjs/common';
import { AccountModule } from '../account/index.js';
import { AppModule } from '../app.module.js';
import type { AppConfig } from '../config/app.config.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import { AdminAudit } from './admin.audit.js';
import { ADMIN_COMMANDS } from './admin.commands.js';
import { AdminMailService } from './admin-mail.service.js';
import { AdminOutput } from './admin.output.js';

/**
 * The operator's command line: the app's own modules, built from the same validated config
 * (no HTTP server, and no mail worker: what it queues, the servers' workers deliver), with the
 * admin services and the `nest-commander` commands on top.
 */
@Module({})
export class AdminModule {
  /**
   * @param config the validated config; with neither `redisUrl` nor `redisClusterNodes` there is
   *   nothing shared to administer (the caller refuses that first).
   * @param output where answers go.
   */
  static forRoot(config: AppConfig, output: AdminOutput): DynamicModule {
    return {
      module: AdminModule,
      // AccountModule again: its services are not global (the same module instance as AppModule's).
      imports: [AppModule.forRoot({ ...config, mailWorker: 'off' }), AccountModule],
      providers: [
        { provide: AdminOutput, useValue: output },
        AdminAudit,
        AdminAccountsService,
        AdminMailService,
        ...ADMIN_COMMANDS,
      ],
      exports: [AdminAccountsService, AdminMailService],
    };
  }
}
