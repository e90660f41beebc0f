import { UserStore } from './user-store.js';
import type { User } from './user.types.js';

/** {@link UserStore} in process memory: development without Redis, and unit tests. */
export class MemoryUserStore extends UserStore {
  protected readonly users = new Map<string, User>();

  async findByEmail(email: string): Promise<User | null> {
    const u = this.users.get(email);
    return u ? { ...u } : null;
  }

  async updatePassword(email: string, passwordHash: string): Promise<boolean> {
    const u = this.users.get(email);
    if (!u) return false;
    this.users.set(email, { ...u, passwordHash });
    return true;
  }

  async create(user: User): Promise<boolean> {
    if (this.users.has(user.email)) return false;
    this.users.set(user.email, { ...user });
    return true;
  }
}
