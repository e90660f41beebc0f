import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { Store } from 'express-session';
import type { Clock } from '../clock/index.js';

/** Options of {@link SessionModule}. */
export interface SessionModuleOptions {
  /** Signing secrets: the first signs, all verify (rotation). */
  secrets: string[];
  /** `Secure` cookies with the `__Host-` prefix (when the public URL is https). */
  secure: boolean;
  /** Idle timeout in seconds (default 1800). */
  idleSeconds?: number;
  /** Absolute lifetime in seconds, never extended by activity (default 43200). */
  absoluteSeconds?: number;
  /**
   * How stale the idle deadline may get before a request refreshes it (default 60 s).
   * Refreshing on every request would cost a Redis write per page view.
   */
  touchAfterSeconds?: number;
  /** Another express-session store; by default connect-redis on the shared client, else memory. */
  store?: Store;
  /** Redis key prefix of the default store (default `sess:`). */
  keyPrefix?: string;
  /** Redis key prefix of the per-owner session index (default `si:`). */
  indexPrefix?: string;
  /**
   * The time the idle and absolute limits are checked against (default: the app's `Clock`
   * provider, e.g. `AuthModule`'s, else the system clock); tests pass a `SettableClock`.
   */
  clock?: Clock;
}

/**
 * `SessionModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Session`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SESSION_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link SessionModuleOptions}), e.g. in a host app's own guard. */
export const InjectSessionOptions = () => Inject(SESSION_MODULE_OPTIONS);
