import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { assertChallengeTtl, counterMovesForward, PasskeyStore } from './passkey-store.js';
import type { PasskeyCredential, PasskeyUse } from './passkey.types.js';

const copy = (c: PasskeyCredential): PasskeyCredential => ({ ...c, transports: [...c.transports] });

/**
 * {@link PasskeyStore} in process memory, for development without Redis and for unit tests.
 * Single-threaded JavaScript makes each method atomic. Not shared between processes, and lost on restart.
 */
@Injectable()
export class MemoryPasskeyStore extends PasskeyStore implements OnModuleDestroy {
  protected readonly credentials = new Map<string, PasskeyCredential>();
  protected readonly challenges = new Map<string, { binding: string; expiresAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), 60_000).unref();

  async add(credential: PasskeyCredential): Promise<boolean> {
    if (this.credentials.has(credential.id)) return false;
    this.credentials.set(credential.id, copy(credential));
    return true;
  }

  async get(id: string): Promise<PasskeyCredential | null> {
    const c = this.credentials.get(id);
    return c ? copy(c) : null;
  }

  async list(email: string): Promise<PasskeyCredential[]> {
    return [...this.credentials.values()]
      .filter((c) => c.email === email)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map(copy);
  }

  async recordUse(id: string, use: PasskeyUse): Promise<boolean> {
    const c = this.credentials.get(id);
    if (!c || !counterMovesForward(c.counter, use.counter)) return false;
    Object.assign(c, { counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.at });
    return true;
  }

  async rename(email: string, id: string, name: string): Promise<PasskeyCredential | null> {
    const c = this.credentials.get(id);
    if (!c || c.email !== email) return null;
    c.name = name;
    return copy(c);
  }

  async remove(email: string, id: string): Promise<boolean> {
    const c = this.credentials.get(id);
    return !!c && c.email === email && this.credentials.delete(id);
  }

  async saveChallenge(challenge: string, binding: string, ttlSeconds: number): Promise<void> {
    assertChallengeTtl(ttlSeconds);
    this.challenges.set(challenge, { binding, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async takeChallenge(challenge: string): Promise<string | null> {
    const c = this.challenges.get(challenge);
    this.challenges.delete(challenge);
    return c && c.expiresAt > Date.now() ? c.binding : null;
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  protected sweep(now: number) {
    for (const [k, c] of this.challenges) if (c.expiresAt <= now) this.challenges.delete(k);
  }
}
