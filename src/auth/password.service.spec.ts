import { Test, type TestingModule } from '@nestjs/testing';
import argon2 from 'argon2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { ServerBusyError } from '../http/index.js';
import { PasswordService } from './password.service.js';

/** Cheap parameters keep the suite fast; the defaults are checked separately. */
const CHEAP: AuthModuleOptions = {
  firstFactor: 'password',
  signup: 'open',
  passwordHash: { memoryKib: 1024, iterations: 1 },
};

/** The algorithm and cost parameters of a PHC-format hash (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`). */
function phc(hash: string): { id: string; params: Record<string, string>; parts: number } {
  const parts = hash.split('$');
  const params = Object.fromEntries((parts[3] ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
  return { id: parts[1], params, parts: parts.length };
}

async function makeService(
  options: AuthModuleOptions,
): Promise<{ moduleRef: TestingModule; service: PasswordService }> {
  const moduleRef = await Test.createTestingModule({
    providers: [PasswordService, { provide: AUTH_MODULE_OPTIONS, useValue: options }],
  }).compile();
  await moduleRef.init(); // onModuleInit prepares the dummy hash
  return { moduleRef, service: moduleRef.get(PasswordService) };
}

describe('PasswordService', () => {
  let moduleRef: TestingModule;
  let service: PasswordService;

  beforeAll(async () => {
    ({ moduleRef, service } = await makeService(CHEAP));
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('hashes with argon2id and the configured cost', async () => {
    const hash = await service.hash('correct horse battery staple');
    expect(hash.startsWith('$argon2id$v=19$')).toBe(true);
    expect(phc(hash)).toEqual({ id: 'argon2id', params: { m: '1024', t: '1', p: '1' }, parts: 6 });
    expect(hash).not.toContain('correct horse');
  });

  it('uses the OWASP defaults (19 MiB, 2 passes, 1 lane) when no cost is given', async () => {
    const defaults = await makeService({ firstFactor: 'password', signup: 'open' });
    try {
      const hash = await defaults.service.hash('pw-12345678');
      expect(hash.startsWith('$argon2id$')).toBe(true);
      expect(phc(hash).params).toEqual({ m: '19456', t: '2', p: '1' });
    } finally {
      await defaults.moduleRef.close();
    }
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await service.hash('s3cret-passw0rd');
    expect(await service.verify(hash, 's3cret-passw0rd')).toBe(true);
    expect(await service.verify(hash, 's3cret-passw0rd ')).toBe(false);
    expect(await service.verify(hash, 'S3cret-passw0rd')).toBe(false);
    expect(await service.verify(hash, '')).toBe(false);
  });

  it('salts: the same password gives different hashes, each of which verifies', async () => {
    const a = await service.hash('same-password');
    const b = await service.hash('same-password');
    expect(a).not.toBe(b);
    expect(await service.verify(a, 'same-password')).toBe(true);
    expect(await service.verify(b, 'same-password')).toBe(true);
  });

  it('returns false without a hash, after checking against a real argon2id dummy hash', async () => {
    const verify = vi.spyOn(argon2, 'verify');
    expect(await service.verify(undefined, 'any-password')).toBe(false);
    expect(verify).toHaveBeenCalledTimes(1);
    const [dummy, password] = verify.mock.calls[0];
    // Same algorithm and cost as real hashes, so an unknown account costs what a wrong password does.
    expect(dummy.startsWith('$argon2id$')).toBe(true);
    expect(phc(dummy).params).toEqual({ m: '1024', t: '1', p: '1' });
    expect(password).toBe('any-password');
  });

  it('returns false (not an error) for a malformed stored hash', async () => {
    expect(await service.verify('not-a-hash', 'whatever')).toBe(false);
  });
});

describe('PasswordService under a flood', () => {
  it('refuses work past its queue with ServerBusyError instead of queueing without end (and never says "wrong password")', async () => {
    const service = new PasswordService(CHEAP);
    await service.onModuleInit();
    const hash = await service.hash('correct horse');
    const limits = service as unknown as { maxConcurrent: number; maxWaiting: number };
    const total = limits.maxConcurrent + limits.maxWaiting + 5;
    const results = await Promise.allSettled(
      Array.from({ length: total }, () => service.verify(hash, 'correct horse')),
    );
    const busy = results.filter((r) => r.status === 'rejected' && r.reason instanceof ServerBusyError).length;
    const ok = results.filter((r) => r.status === 'fulfilled' && r.value === true).length;
    expect(busy).toBeGreaterThan(0);
    expect(ok + busy).toBe(total);
  }, 60_000);
});
