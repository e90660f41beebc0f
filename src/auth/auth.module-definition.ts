import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { UserStore } from './users/user-store.js';

/** Options of {@link AuthModule}. */
export interface AuthModuleOptions {
  /** `password`: password, then the emailed code. `email`: the emailed code alone. */
  firstFactor: 'password' | 'email';
  /** `open`: people can create accounts; `closed`: only existing accounts sign in. */
  signup: 'open' | 'closed';
  /** argon2id cost (defaults: 19 MiB, 2 passes, 1 lane, per OWASP). */
  passwordHash?: { memoryKib?: number; iterations?: number; parallelism?: number };
  /** Another {@link UserStore} implementation; by default Redis when a client exists, else memory. */
  userStore?: Type<UserStore>;
  /** Redis key prefix of the default user store (default `user:`). */
  userKeyPrefix?: string;
}

/**
 * `AuthModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Auth`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link AuthModuleOptions}), e.g. in a host app's own guard. */
export const InjectAuthOptions = () => Inject(AUTH_MODULE_OPTIONS);
