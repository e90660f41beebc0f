import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryOtpStore } from './memory-otp.store.js';
import { resolveOtpOptions } from './otp.providers.js';
import { OtpThrottleService } from './otp-throttle.service.js';

const SECRET = 'unit-test-otp-secret-0123456789abcdef';

describe('OtpThrottleService: status and unlock (an operator)', () => {
  const store = new MemoryOtpStore();
  const options = resolveOtpOptions({
    secret: SECRET,
    resendSeconds: 60,
    sendCaps: [{ windowMs: 3_600_000, max: 2 }],
    failurePolicy: { threshold: 3 },
  });
  const throttle = new OtpThrottleService(store, options);
  afterEach(() => vi.useRealTimers());

  it('says when the next code may go: the cooldown, then a full window until its oldest send leaves it', async () => {
    vi.useFakeTimers({ now: 1_000_000_000 });
    const email = 'status@example.test';
    expect(await throttle.status(email)).toEqual({
      lockedSeconds: 0,
      failures: 0,
      failureThreshold: 3,
      failuresResetSeconds: 0,
      sends: [{ windowSeconds: 3600, count: 0, max: 2 }],
      nextSendSeconds: 0,
    });
    await throttle.reserveSend(email);
    vi.advanceTimersByTime(20_000);
    expect(await throttle.status(email)).toMatchObject({
      sends: [{ windowSeconds: 3600, count: 1, max: 2 }],
      nextSendSeconds: 40,
    });
    vi.advanceTimersByTime(40_000);
    await throttle.reserveSend(email);
    vi.advanceTimersByTime(600_000);
    // Past the cooldown, but the hour holds 2 sends: the first leaves it 3600 s after it was made.
    expect((await throttle.status(email)).nextSendSeconds).toBe(3600 - 660);
  });

  it('counts failures to the lock, and unlock ends it and forgets them', async () => {
    const email = 'locked@example.test';
    await throttle.recordFailure(email);
    expect(await throttle.status(email)).toMatchObject({ lockedSeconds: 0, failures: 1 });
    await throttle.recordFailure(email);
    await throttle.recordFailure(email);
    const locked = await throttle.status(email);
    expect(locked.lockedSeconds).toBe(15 * 60);
    expect(locked.failuresResetSeconds).toBeGreaterThan(86_400);
    expect(await throttle.unlock(email)).toBe(true);
    expect(await throttle.status(email)).toMatchObject({ lockedSeconds: 0, failures: 0, failuresResetSeconds: 0 });
    await expect(throttle.assertNotLocked(email)).resolves.toBeUndefined();
    expect(await throttle.unlock(email)).toBe(false);
  });
});
