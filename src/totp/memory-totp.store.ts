import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { assertPendingTtl, assertStep, TotpStore } from './totp-store.js';
import type { TotpCredential } from './totp.types.js';

/**
 * {@link TotpStore} in process memory, for development without Redis and for unit tests.
 * Single-threaded JavaScript makes each method atomic. Not shared between processes, and lost on restart.
 */
@Injectable()
export class MemoryTotpStore extends TotpStore implements OnModuleDestroy {
  protected readonly credentials = new Map<string, TotpCredential>();
  protected readonly pending = new Map<string, { sealedSecret: string; expiresAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), 60_000).unref();

  async get(email: string): Promise<TotpCredential | null> {
    const c = this.credentials.get(email);
    return c ? { ...c } : null;
  }

  async save(email: string, credential: TotpCredential): Promise<void> {
    const { sealedSecret, createdAt, lastStep } = credential;
    this.credentials.set(email, { sealedSecret, createdAt, lastStep });
  }

  async remove(email: string): Promise<boolean> {
    return this.credentials.delete(email);
  }

  async acceptStep(email: string, step: number): Promise<boolean> {
    assertStep(step);
    const c = this.credentials.get(email);
    if (!c || step <= c.lastStep) return false;
    c.lastStep = step;
    return true;
  }

  async savePending(id: string, sealedSecret: string, ttlSeconds: number): Promise<void> {
    assertPendingTtl(ttlSeconds);
    this.pending.set(id, { sealedSecret, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async takePending(id: string): Promise<string | null> {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p && p.expiresAt > Date.now() ? p.sealedSecret : null;
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  private sweep(now: number) {
    for (const [id, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(id);
  }
}
