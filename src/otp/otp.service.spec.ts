import { createHmac } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../clock/index.js';
import { SettableClock } from '../testing/settable-clock.js';
import { MemoryOtpStore } from './memory-otp.store.js';
import { ChallengeExpiredError, IdentifierLockedError, InvalidCodeError } from './otp.errors.js';
import type { OtpModuleOptions } from './otp.module-definition.js';
import { RESOLVED_OTP_OPTIONS, resolveOtpOptions } from './otp.providers.js';
import { OtpService } from './otp.service.js';
import { OtpStore } from './otp-store.js';
import type { Challenge } from './otp.types.js';

const SECRET = 'unit-test-otp-secret-0123456789abcdef';

async function makeService(options: Partial<OtpModuleOptions> = {}) {
  const moduleRef = await Test.createTestingModule({
    providers: [
      OtpService,
      { provide: OtpStore, useClass: MemoryOtpStore },
      { provide: RESOLVED_OTP_OPTIONS, useValue: resolveOtpOptions({ secret: SECRET, ...options }) },
    ],
  }).compile();
  return { moduleRef, service: moduleRef.get(OtpService), store: moduleRef.get(OtpStore) };
}

/** A code of the same length that is certainly not `code`. */
function wrong(code: string): string {
  return code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('OtpService', () => {
  let moduleRef: TestingModule;
  let service: OtpService;
  let store: OtpStore;

  beforeEach(async () => {
    ({ moduleRef, service, store } = await makeService({ length: 8, maxAttempts: 3, ttlSeconds: 120 }));
  });

  afterEach(async () => {
    await moduleRef.close();
    vi.restoreAllMocks();
  });

  describe('start', () => {
    it('issues a code of the configured length, digits only, and a live challenge', async () => {
      const before = Date.now();
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'a@example.test' });
      expect(code).toMatch(/^\d{8}$/);
      expect(service.codeLength).toBe(8);
      expect(challenge).toMatchObject({
        purpose: 'sign-in',
        identifier: 'a@example.test',
        factor: 'email-otp',
        attemptsRemaining: 3,
      });
      expect(challenge.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(challenge.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
      expect(challenge.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
      expect(await service.find(challenge.id)).toEqual(challenge);
      expect(service.secondsLeft(challenge)).toBe(120);
    });

    it('runs `bind` with the challenge before storing it; when `bind` fails, stores nothing', async () => {
      const seen: (Challenge | null)[] = [];
      const { challenge } = await service.start({ purpose: 'sign-in', identifier: 'bound@example.test' }, async (c) => {
        seen.push(c, await service.find(c.id));
      });
      expect(seen).toEqual([challenge, null]);
      expect(await service.find(challenge.id)).toEqual(challenge);

      const create = vi.spyOn(store, 'create');
      const failure = new Error('the session could not be written');
      let id = '';
      const failed = service.start({ purpose: 'sign-in', identifier: 'unbound@example.test' }, async (c) => {
        id = c.id;
        throw failure;
      });
      expect(await rejection(failed)).toBe(failure);
      expect(create).not.toHaveBeenCalled();
      expect(await service.find(id)).toBeNull();
    });

    it('keeps meta with the challenge', async () => {
      const { challenge } = await service.start({
        purpose: 'sign-up',
        identifier: 'meta@example.test',
        meta: { passwordHash: '$argon2id$abc' },
      });
      expect((await service.find(challenge.id))?.meta).toEqual({ passwordHash: '$argon2id$abc' });
    });

    it('gives different codes and ids on each call', async () => {
      const issued = await Promise.all(
        Array.from({ length: 20 }, () => service.start({ purpose: 'sign-in', identifier: 'many@example.test' })),
      );
      expect(new Set(issued.map((i) => i.code)).size).toBe(20);
      expect(new Set(issued.map((i) => i.challenge.id)).size).toBe(20);
    });

    it('pads short codes with leading zeros (length 4)', async () => {
      const short = await makeService({ length: 4 });
      try {
        const codes = await Promise.all(
          Array.from(
            { length: 300 },
            async () => (await short.service.start({ purpose: 'sign-in', identifier: 'z' })).code,
          ),
        );
        for (const code of codes) expect(code).toMatch(/^\d{4}$/);
        // With 300 uniform codes, P(no leading zero) = 0.9^300, about 2e-14.
        expect(codes.some((c) => c.startsWith('0'))).toBe(true);
      } finally {
        await short.moduleRef.close();
      }
    });

    it('stores HMAC-SHA256(secret, purpose|challenge|identifier|answer) of the code and the link, never either', async () => {
      const create = vi.spyOn(store, 'create');
      const { challenge, code, linkToken } = await service.start({
        purpose: 'sign-in',
        identifier: 'hmac@example.test',
      });
      expect(create).toHaveBeenCalledTimes(1);
      const stored = create.mock.calls[0][0];
      const hmac = (answer: string) =>
        createHmac('sha256', SECRET).update(`sign-in|${challenge.id}|hmac@example.test|${answer}`).digest('base64url');
      expect(stored.digests).toEqual([hmac(code), hmac(`link|${linkToken}`)]);
      expect(linkToken).toMatch(/^[\w-]{43}$/); // 256 bits
      expect(JSON.stringify(stored)).not.toContain(code);
      expect(JSON.stringify(stored)).not.toContain(linkToken);
      // The store hands back the challenge without any digest.
      expect(await store.get(challenge.id, Date.now())).not.toHaveProperty('digests');
    });

    it('accepts the link token like the code, once', async () => {
      const { challenge, linkToken } = await service.start({ purpose: 'sign-in', identifier: 'link@example.test' });
      await expect(
        service.verifyLink(challenge.id, challenge.identifier, 'sign-in', 'x'.repeat(43)),
      ).rejects.toBeInstanceOf(InvalidCodeError);
      expect((await service.verifyLink(challenge.id, challenge.identifier, 'sign-in', linkToken)).id).toBe(
        challenge.id,
      );
      await expect(service.verifyLink(challenge.id, challenge.identifier, 'sign-in', linkToken)).rejects.toBeInstanceOf(
        ChallengeExpiredError,
      );
    });
  });

  describe('verify', () => {
    it('accepts the right code once', async () => {
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'once@example.test' });
      const done = await service.verify(challenge.id, 'once@example.test', 'sign-in', code);
      expect(done).toMatchObject({ id: challenge.id, identifier: 'once@example.test', purpose: 'sign-in' });
      expect(await rejection(service.verify(challenge.id, 'once@example.test', 'sign-in', code))).toBeInstanceOf(
        ChallengeExpiredError,
      );
      expect(await service.find(challenge.id)).toBeNull();
    });

    it('refuses a wrong code with the attempts left, then the challenge is gone', async () => {
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'wrong@example.test' });
      for (const left of [2, 1, 0]) {
        const err = await rejection(service.verify(challenge.id, 'wrong@example.test', 'sign-in', wrong(code)));
        expect(err).toBeInstanceOf(InvalidCodeError);
        expect((err as InvalidCodeError).attemptsRemaining).toBe(left);
      }
      expect(await rejection(service.verify(challenge.id, 'wrong@example.test', 'sign-in', code))).toBeInstanceOf(
        ChallengeExpiredError,
      );
    });

    it('refuses a code from another challenge of the same identifier', async () => {
      const a = await service.start({ purpose: 'sign-in', identifier: 'two@example.test' });
      const b = await service.start({ purpose: 'sign-in', identifier: 'two@example.test' });
      const err = await rejection(service.verify(a.challenge.id, 'two@example.test', 'sign-in', b.code));
      expect(err).toBeInstanceOf(InvalidCodeError);
      expect((err as InvalidCodeError).attemptsRemaining).toBe(2);
      // Each code still completes its own challenge.
      await expect(service.verify(a.challenge.id, 'two@example.test', 'sign-in', a.code)).resolves.toMatchObject({
        id: a.challenge.id,
      });
      await expect(service.verify(b.challenge.id, 'two@example.test', 'sign-in', b.code)).resolves.toMatchObject({
        id: b.challenge.id,
      });
    });

    it('refuses the right code presented for another identifier', async () => {
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'owner@example.test' });
      expect(await rejection(service.verify(challenge.id, 'intruder@example.test', 'sign-in', code))).toBeInstanceOf(
        InvalidCodeError,
      );
      await expect(service.verify(challenge.id, 'owner@example.test', 'sign-in', code)).resolves.toBeTruthy();
    });

    it('refuses the right code presented for another purpose', async () => {
      const { challenge, code } = await service.start({ purpose: 'sign-up', identifier: 'purpose@example.test' });
      expect(await rejection(service.verify(challenge.id, 'purpose@example.test', 'sign-in', code))).toBeInstanceOf(
        InvalidCodeError,
      );
      await expect(service.verify(challenge.id, 'purpose@example.test', 'sign-up', code)).resolves.toMatchObject({
        purpose: 'sign-up',
      });
    });

    it('answers ChallengeExpiredError for an unknown challenge', async () => {
      expect(await rejection(service.verify('no-such-id', 'x@example.test', 'sign-in', '12345678'))).toBeInstanceOf(
        ChallengeExpiredError,
      );
    });

    it('never completes a decoy, which otherwise behaves like a real challenge', async () => {
      const decoy = await service.start({ purpose: 'sign-in', identifier: 'ghost@example.test', decoy: true });
      expect(decoy.code).toMatch(/^\d{8}$/);
      expect(await service.find(decoy.challenge.id)).toMatchObject({ attemptsRemaining: 3 });
      for (const left of [2, 1, 0]) {
        const err = await rejection(service.verify(decoy.challenge.id, 'ghost@example.test', 'sign-in', decoy.code));
        expect(err).toBeInstanceOf(InvalidCodeError);
        expect((err as InvalidCodeError).attemptsRemaining).toBe(left);
      }
      expect(await service.find(decoy.challenge.id)).toBeNull();
    });

    it('maps a locked identifier to IdentifierLockedError, even for the right code', async () => {
      const locking = await makeService({ failurePolicy: { threshold: 2, baseLockMs: 5_000, maxLockMs: 5_000 } });
      try {
        const a = await locking.service.start({ purpose: 'sign-in', identifier: 'lock@example.test' });
        const b = await locking.service.start({ purpose: 'sign-in', identifier: 'lock@example.test' });
        await expect(
          locking.service.verify(a.challenge.id, 'lock@example.test', 'sign-in', wrong(a.code)),
        ).rejects.toBeInstanceOf(InvalidCodeError);
        // The threshold-th wrong answer is still a plain wrong answer.
        await expect(
          locking.service.verify(b.challenge.id, 'lock@example.test', 'sign-in', wrong(b.code)),
        ).rejects.toBeInstanceOf(InvalidCodeError);
        const err = await rejection(locking.service.verify(a.challenge.id, 'lock@example.test', 'sign-in', a.code));
        expect(err).toBeInstanceOf(IdentifierLockedError);
        expect((err as IdentifierLockedError).retryAfterSeconds).toBe(5);
      } finally {
        await locking.moduleRef.close();
      }
    });
  });

  describe('settleStep', () => {
    it('settles a right answer even when a lock came after the caller checked it; a wrong one meets the lock', async () => {
      const locking = await makeService({ failurePolicy: { threshold: 1, baseLockMs: 5_000, maxLockMs: 5_000 } });
      try {
        const id = 'step@example.test';
        const step = await locking.service.startStep({ purpose: 'sign-in', identifier: id });
        const other = await locking.service.startStep({ purpose: 'sign-in', identifier: id });
        // Another request's wrong answer locks the identifier meanwhile.
        await expect(locking.service.settleStep(other.id, id, 'sign-in', false)).rejects.toBeInstanceOf(
          InvalidCodeError,
        );
        expect(await locking.store.lockedFor(id, Date.now())).toBeGreaterThan(0);
        const wrongErr = await rejection(locking.service.settleStep(step.id, id, 'sign-in', false));
        expect(wrongErr).toBeInstanceOf(IdentifierLockedError);
        const done = await locking.service.settleStep(step.id, id, 'sign-in', true);
        expect(done.id).toBe(step.id);
        // Once: the challenge is consumed.
        await expect(locking.service.settleStep(step.id, id, 'sign-in', true)).rejects.toBeInstanceOf(
          ChallengeExpiredError,
        );
      } finally {
        await locking.moduleRef.close();
      }
    });
  });

  describe('reissue', () => {
    it('adds a code and keeps attempts and deadline; earlier codes stay valid up to validCodes', async () => {
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'resend@example.test' });
      await expect(service.verify(challenge.id, 'resend@example.test', 'sign-in', wrong(code))).rejects.toBeInstanceOf(
        InvalidCodeError,
      );
      const before = await service.find(challenge.id);
      expect(before?.attemptsRemaining).toBe(2);

      const next = await service.reissue(challenge);
      expect(next.code).toMatch(/^\d{8}$/);
      expect(next.code).not.toBe(code);
      expect(next.challenge.id).toBe(challenge.id);
      const after = await service.find(challenge.id);
      expect(after?.attemptsRemaining).toBe(2);
      expect(after?.expiresAt).toBe(challenge.expiresAt);

      expect(next.send).toBe(2);
      // Both codes work (validCodes 3): the first one sent completes the challenge.
      await expect(service.verify(challenge.id, 'resend@example.test', 'sign-in', code)).resolves.toMatchObject({
        id: challenge.id,
      });
      // ...and the other dies with it.
      const err = await rejection(service.verify(challenge.id, 'resend@example.test', 'sign-in', next.code));
      expect(err).toBeInstanceOf(ChallengeExpiredError);
    });

    it('throws ChallengeExpiredError for a challenge that is gone', async () => {
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'gone@example.test' });
      await service.verify(challenge.id, 'gone@example.test', 'sign-in', code);
      expect(await rejection(service.reissue(challenge))).toBeInstanceOf(ChallengeExpiredError);

      const cancelled = await service.start({ purpose: 'sign-in', identifier: 'gone@example.test' });
      await service.cancel(cancelled.challenge.id);
      expect(await rejection(service.reissue(cancelled.challenge))).toBeInstanceOf(ChallengeExpiredError);
    });

    it('keeps a decoy unbeatable after a reissue', async () => {
      const decoy = await service.start({ purpose: 'sign-in', identifier: 'ghost2@example.test', decoy: true });
      const next = await service.reissue(decoy.challenge, true);
      expect(next.code).toMatch(/^\d{8}$/);
      expect(
        await rejection(service.verify(decoy.challenge.id, 'ghost2@example.test', 'sign-in', next.code)),
      ).toBeInstanceOf(InvalidCodeError);
    });
  });
});

describe('OtpService on a SettableClock', () => {
  it('sets and checks every deadline on the clock: moving it by the TTL expires the code at once', async () => {
    const clock = new SettableClock(Date.now() - 3_600_000);
    const { moduleRef, service } = await makeService({ ttlSeconds: 120, clock });
    try {
      const { challenge, code } = await service.start({ purpose: 'sign-in', identifier: 'clock@example.test' });
      expect(challenge.expiresAt).toBe(clock.now() + 120_000);
      clock.advance(119_000);
      expect(service.secondsLeft(challenge)).toBe(1);
      expect(await service.find(challenge.id)).not.toBeNull();
      await service.reissue(challenge);
      clock.advance(1_000);
      expect(service.secondsLeft(challenge)).toBe(0);
      expect(await service.find(challenge.id)).toBeNull();
      await expect(service.verify(challenge.id, challenge.identifier, 'sign-in', code)).rejects.toBeInstanceOf(
        ChallengeExpiredError,
      );
    } finally {
      await moduleRef.close();
    }
  });
});

describe('resolveOtpOptions', () => {
  it('applies the defaults', () => {
    expect(resolveOtpOptions({ secret: SECRET })).toEqual({
      secret: SECRET,
      length: 6,
      ttlMs: 600_000,
      maxAttempts: 5,
      validCodes: 3,
      send: {
        cooldownMs: 60_000,
        caps: [
          { windowMs: 3_600_000, max: 5 },
          { windowMs: 86_400_000, max: 10 },
        ],
      },
      failure: { threshold: 10, windowMs: 86_400_000, baseLockMs: 900_000, maxLockMs: 86_400_000 },
      clock: expect.any(SystemClock),
    });
  });

  it("takes the clock of the options, else the app's", () => {
    const mine = new SettableClock();
    const app = new SettableClock();
    expect(resolveOtpOptions({ secret: SECRET, clock: mine }, app).clock).toBe(mine);
    expect(resolveOtpOptions({ secret: SECRET }, app).clock).toBe(app);
  });

  it('converts seconds and merges a partial failure policy', () => {
    const o = resolveOtpOptions({
      secret: SECRET,
      ttlSeconds: 2,
      resendSeconds: 1,
      failurePolicy: { threshold: 3 },
    });
    expect(o.ttlMs).toBe(2_000);
    expect(o.send.cooldownMs).toBe(1_000);
    expect(o.failure).toEqual({ threshold: 3, windowMs: 86_400_000, baseLockMs: 900_000, maxLockMs: 86_400_000 });
  });

  it('rejects a missing or short secret', () => {
    expect(() => resolveOtpOptions({ secret: 'x'.repeat(31) })).toThrow(/secret must be at least 32 characters/);
    expect(() => resolveOtpOptions({ secret: '' })).toThrow(/secret must be at least 32 characters/);
    expect(() => resolveOtpOptions({} as OtpModuleOptions)).toThrow(/secret must be at least 32 characters/);
    expect(() => resolveOtpOptions({ secret: 'x'.repeat(32) })).not.toThrow();
  });

  it.each([3, 11, 6.5, Number.NaN])('rejects length %s', (length) => {
    expect(() => resolveOtpOptions({ secret: SECRET, length })).toThrow(/length must be an integer from 4 to 10/);
  });

  it.each([
    ['ttlSeconds', 0],
    ['maxAttempts', -1],
    ['resendSeconds', 1.5],
  ] as const)('rejects %s = %s', (key, value) => {
    expect(() => resolveOtpOptions({ secret: SECRET, [key]: value })).toThrow(`${key} must be a positive integer`);
  });

  it('names every problem in one message', () => {
    expect(() => resolveOtpOptions({ secret: 'short', length: 2 })).toThrow(
      'OtpModule options: secret must be at least 32 characters; length must be an integer from 4 to 10',
    );
  });
});
