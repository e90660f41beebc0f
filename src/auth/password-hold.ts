import { Injectable, Optional } from '@nestjs/common';
import { InjectRedis, type RedisClient, redisCall } from '../redis/index.js';

/**
 * Accounts whose owner said "this wasn't me": in password mode the password may be known to someone
 * else, so the next sign-in needs a password reset first (`POST /auth` answers 403
 * `password_reset_required` even for the right password). A reset releases the hold. Kept in Redis
 * (`hold:<email>`) or, without Redis, in memory.
 */
@Injectable()
export class PasswordHold {
  protected readonly memory = new Set<string>();

  constructor(@Optional() @InjectRedis() protected readonly redis?: RedisClient | null) {}

  async hold(email: string): Promise<void> {
    if (this.redis) await redisCall(() => this.redis!.set(this.key(email), '1'));
    else this.memory.add(email);
  }

  async isHeld(email: string): Promise<boolean> {
    if (this.redis) return (await redisCall(() => this.redis!.exists(this.key(email)))) === 1;
    return this.memory.has(email);
  }

  async release(email: string): Promise<void> {
    if (this.redis) await redisCall(() => this.redis!.del(this.key(email)));
    else this.memory.delete(email);
  }

  protected key(email: string): string {
    return `hold:${email}`;
  }
}
