import { availableParallelism } from 'node:os';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { ServerBusyError } from '../http/index.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';

/**
 * argon2id hashing (libuv thread pool: off the event loop). Unknown accounts are checked
 * against a dummy hash of the same cost, so "no such email" takes as long as "wrong password".
 * At most `cores - 1` hashes run at once: a burst of sign-ins must not take every core and the
 * thread pool that file and DNS work also need, which would stall the event loop for everyone.
 */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  protected readonly maxConcurrent = Math.max(1, availableParallelism() - 1);
  /** Hashes waiting beyond this are refused (503) rather than queued without end. */
  protected readonly maxWaiting = 256;

  constructor(@Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions) {}

  async onModuleInit() {
    this.dummyHash = await this.hash(`dummy-${Math.random()}`);
  }

  hash(password: string): Promise<string> {
    const o = this.options.passwordHash ?? {};
    return this.limited(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: o.memoryKib ?? 19456,
        timeCost: o.iterations ?? 2,
        parallelism: o.parallelism ?? 1,
      }),
    );
  }

  /** True when `password` matches `hash`; with no hash, spends the same time and returns false. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const ok = await this.limited(() => argon2.verify(hash ?? this.dummyHash, password).catch(() => false));
    return ok && hash !== undefined;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxWaiting) throw new ServerBusyError();
      await new Promise<void>((r) => this.waiting.push(r));
    }
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
