import type { User } from './user.types.js';

/**
 * Account storage port. Defaults: {@link RedisUserStore} with Redis, {@link MemoryUserStore} without.
 * Teams plug their own user table in with `AuthModule.forRoot({ userStore: MyUserStore })`
 * or `overrideProvider(UserStore)`. Emails arrive normalised (trimmed, lower case).
 */
export abstract class UserStore {
  abstract findByEmail(email: string): Promise<User | null>;
  /** Creates the account unless the email is taken; returns false when it was. */
  abstract create(user: User): Promise<boolean>;
  /** Replaces the account's password hash (argon2id PHC string); false when there is no such account. */
  abstract updatePassword(email: string, passwordHash: string): Promise<boolean>;
}
