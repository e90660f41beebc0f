import { Injectable } from '@nestjs/common';
import { RecoveryCodeStore } from './recovery-code-store.js';

/**
 * {@link RecoveryCodeStore} in process memory, for development without Redis and for unit tests.
 * Single-threaded JavaScript makes each method atomic. Not shared between processes, and lost on restart.
 */
@Injectable()
export class MemoryRecoveryCodeStore extends RecoveryCodeStore {
  protected readonly sets = new Map<string, Set<string>>();

  async replace(email: string, hashes: string[]): Promise<void> {
    if (hashes.length) this.sets.set(email, new Set(hashes));
    else this.sets.delete(email);
  }

  async consume(email: string, hash: string): Promise<number | null> {
    const set = this.sets.get(email);
    if (!set?.delete(hash)) return null;
    // Like Redis, an empty set is no set.
    if (set.size === 0) this.sets.delete(email);
    return set.size;
  }

  async count(email: string): Promise<number> {
    return this.sets.get(email)?.size ?? 0;
  }

  async remove(email: string): Promise<boolean> {
    return this.sets.delete(email);
  }
}
