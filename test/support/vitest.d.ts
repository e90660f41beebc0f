import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Redis URL chosen by test/global-setup.ts (also in process.env.TEST_REDIS_URL). */
    redisUrl: string;
  }
}
