import { AccountStore, type ActivityEntry, type NotMeGrant } from './account-store.js';

/** {@link AccountStore} in process memory: development without Redis, and tests. */
export class MemoryAccountStore extends AccountStore {
  protected readonly grants = new Map<string, { grant: NotMeGrant; until: number }>();
  protected readonly activities = new Map<string, { entries: ActivityEntry[]; until: number }>();

  async saveGrant(hash: string, grant: NotMeGrant, ttlMs: number): Promise<void> {
    this.grants.set(hash, { grant: { ...grant }, until: Date.now() + ttlMs });
  }

  async takeGrant(hash: string): Promise<NotMeGrant | null> {
    const g = this.grants.get(hash);
    this.grants.delete(hash);
    return g && g.until > Date.now() ? g.grant : null;
  }

  async addActivity(email: string, entry: ActivityEntry, keep: number, ttlMs: number): Promise<void> {
    const current = this.activities.get(email);
    const entries = current && current.until > Date.now() ? current.entries : [];
    this.activities.set(email, { entries: [{ ...entry }, ...entries].slice(0, keep), until: Date.now() + ttlMs });
  }

  async activity(email: string, limit: number): Promise<ActivityEntry[]> {
    const current = this.activities.get(email);
    return current && current.until > Date.now() ? current.entries.slice(0, limit) : [];
  }
}
