import { Test, type TestingModule } from '@nestjs/testing';
import { Secret } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyRing, parseKeyRing, SecretBox } from '../crypto/index.js';
import { Clock } from '../clock/index.js';
import { MemoryTotpStore } from './memory-totp.store.js';
import { TotpStore } from './totp-store.js';
import { TotpService } from './totp.service.js';

/** A clock the test sets by hand. */
class FakeClock extends Clock {
  constructor(public t: number) {
    super();
  }
  now(): number {
    return this.t;
  }
}

/** The RFC 6238 Appendix B SHA-1 seed: the ASCII bytes of "12345678901234567890". */
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;
const STEP_MS = 30_000;
/** A fixed step, and a time 12.345 s into it, so every expectation below is deterministic. */
const STEP = 56_666_667;
const NOW = STEP * STEP_MS + 12_345;

describe('TotpService', () => {
  let moduleRef: TestingModule;
  let service: TotpService;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock(NOW);
    moduleRef = await Test.createTestingModule({
      providers: [TotpService, { provide: Clock, useValue: clock }, { provide: TotpStore, useClass: MemoryTotpStore }],
    }).compile();
    service = moduleRef.get(TotpService);
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  describe('RFC 6238 Appendix B test vectors (SHA-1, last 6 of the 8 digits)', () => {
    it('uses the RFC seed', () => {
      expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    });

    it.each([
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [1_111_111_111, '14050471'],
      [1_234_567_890, '89005924'],
      [2_000_000_000, '69279037'],
      [20_000_000_000, '65353130'],
    ])('T = %i s gives ...%s', (seconds, eightDigits) => {
      const code = eightDigits.slice(-6);
      const now = seconds * 1000;
      expect(service.generate(RFC_SECRET, now)).toBe(code);
      expect(service.matchStep(RFC_SECRET, code, now)).toBe(Math.floor(seconds / 30));
      // The 8-digit form is not a 6-digit code.
      expect(service.matchStep(RFC_SECRET, eightDigits, now)).toBeNull();
    });
  });

  describe('matchStep window', () => {
    const codeAt = (offsetSteps: number) => service.generate(RFC_SECRET, NOW + offsetSteps * STEP_MS);

    it('accepts the code of the current step and returns that step', () => {
      expect(service.stepAt(NOW)).toBe(STEP);
      expect(service.matchStep(RFC_SECRET, codeAt(0), NOW)).toBe(STEP);
    });

    it('accepts one step of drift either side, returning the step the code belongs to', () => {
      expect(service.matchStep(RFC_SECRET, codeAt(-1), NOW)).toBe(STEP - 1);
      expect(service.matchStep(RFC_SECRET, codeAt(1), NOW)).toBe(STEP + 1);
    });

    it('refuses codes two or more steps away', () => {
      for (const offset of [-3, -2, 2, 3]) expect(service.matchStep(RFC_SECRET, codeAt(offset), NOW)).toBeNull();
    });

    it('moves with the step boundaries', () => {
      const first = STEP * STEP_MS; // first ms of STEP
      const last = first + STEP_MS - 1; // last ms of STEP
      const previous2 = service.generate(RFC_SECRET, first - 2 * STEP_MS);
      const next2 = service.generate(RFC_SECRET, first + 2 * STEP_MS);
      expect(service.matchStep(RFC_SECRET, previous2, first - 1)).toBe(STEP - 2);
      expect(service.matchStep(RFC_SECRET, previous2, first)).toBeNull();
      expect(service.matchStep(RFC_SECRET, next2, last)).toBeNull();
      expect(service.matchStep(RFC_SECRET, next2, last + 1)).toBe(STEP + 2);
    });

    it('refuses a code made with another secret', () => {
      const other = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      expect(service.matchStep(other, codeAt(0), NOW)).toBeNull();
    });

    it('refuses anything but exactly 6 ASCII digits, even around the right code', () => {
      const code = codeAt(0);
      const toFullWidth = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
      const toArabicIndic = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
      const variants = [
        '',
        code.slice(1),
        `${code}0`,
        `0${code}`,
        ` ${code}`,
        `${code} `,
        `${code}\n`,
        `${code.slice(0, 3)} ${code.slice(3)}`,
        `${code.slice(0, 3)}-${code.slice(3)}`,
        toFullWidth(code),
        toArabicIndic(code),
        `${code.slice(0, 5)}a`,
        'abcdef',
        '+12345',
        '1e5000',
      ];
      for (const v of variants) expect(service.matchStep(RFC_SECRET, v, NOW), JSON.stringify(v)).toBeNull();
      expect(service.matchStep(RFC_SECRET, code, NOW)).toBe(STEP);
    });
  });

  describe('the injected clock', () => {
    it('is used when no time is passed', () => {
      const code = service.generate(RFC_SECRET);
      expect(code).toBe(service.generate(RFC_SECRET, NOW));
      expect(service.stepAt()).toBe(STEP);
      expect(service.matchStep(RFC_SECRET, code)).toBe(STEP);
      clock.t += STEP_MS;
      expect(service.matchStep(RFC_SECRET, code)).toBe(STEP);
      expect(service.generate(RFC_SECRET)).not.toBe(code);
      clock.t += STEP_MS;
      expect(service.matchStep(RFC_SECRET, code)).toBeNull();
    });

    it('defaults to the system clock when none is provided', async () => {
      const ref = await Test.createTestingModule({ providers: [TotpService] }).compile();
      const before = Math.floor(Date.now() / STEP_MS);
      const step = ref.get(TotpService).stepAt();
      expect(step).toBeGreaterThanOrEqual(before);
      expect(step).toBeLessThanOrEqual(Math.floor(Date.now() / STEP_MS));
      await ref.close();
    });
  });

  describe('generateSecret', () => {
    it('makes 160-bit base32 secrets, different each time', () => {
      const secrets = Array.from({ length: 50 }, () => service.generateSecret());
      for (const s of secrets) {
        expect(s).toMatch(/^[A-Z2-7]{32}$/);
        expect(Secret.fromBase32(s).bytes).toHaveLength(20);
      }
      expect(new Set(secrets).size).toBe(50);
    });

    it('makes secrets that round-trip through generate and matchStep', () => {
      const s = service.generateSecret();
      expect(service.matchStep(s, service.generate(s, NOW), NOW)).toBe(STEP);
    });
  });

  describe('otpauthUrl', () => {
    it('writes the key URI authenticator apps read', () => {
      const url = new URL(service.otpauthUrl(RFC_SECRET, 'ada+mfa@example.test', 'Nest Sign-in'));
      expect(url.protocol).toBe('otpauth:');
      expect(url.host).toBe('totp');
      expect(decodeURIComponent(url.pathname)).toBe('/Nest Sign-in:ada+mfa@example.test');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        secret: RFC_SECRET,
        issuer: 'Nest Sign-in',
        algorithm: 'SHA1',
        digits: '6',
        period: '30',
      });
    });

    it('refuses labels the format cannot carry', () => {
      expect(() => service.otpauthUrl(RFC_SECRET, 'a:b@example.test', 'App')).toThrow(RangeError);
      expect(() => service.otpauthUrl(RFC_SECRET, '', 'App')).toThrow(RangeError);
      expect(() => service.otpauthUrl(RFC_SECRET, 'a@example.test', 'App: Prod')).toThrow(RangeError);
    });
  });

  describe('qrSvg', () => {
    it('draws the URI as an SVG QR code with a one-module margin', async () => {
      const url = service.otpauthUrl(RFC_SECRET, 'ada@example.test', 'Nest Sign-in');
      const svg = await service.qrSvg(url);
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg.trimEnd()).toMatch(/<\/svg>$/);
      // A QR code is 21 + 4k modules wide; the viewBox adds the margin on both sides.
      const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
      expect((size - 2 - 21) % 4).toBe(0);
      expect(await service.qrSvg(`${url}x`)).not.toBe(svg);
    });
  });

  describe('replay guard with the memory store (RFC 6238 §5.2)', () => {
    const EMAIL = 'ada@example.test';
    let store: TotpStore;
    let box: SecretBox;
    let sealed: string;

    /** What a sign-in does: open the secret, match the code, then spend its step. */
    async function verify(code: string): Promise<boolean> {
      const credential = await store.get(EMAIL);
      if (!credential) return false;
      const step = service.matchStep(box.open(credential.sealedSecret, EMAIL), code);
      return step !== null && store.acceptStep(EMAIL, step);
    }

    beforeEach(async () => {
      store = moduleRef.get(TotpStore);
      box = new SecretBox(parseKeyRing(generateKeyRing()));
      // Enrolment: the confirming code's step becomes lastStep, so that code cannot be used to sign in.
      // The RFC seed rather than a random secret keeps every code below deterministic.
      const secret = RFC_SECRET;
      sealed = box.seal(secret, EMAIL);
      const confirmStep = service.matchStep(secret, service.generate(secret));
      expect(confirmStep).toBe(STEP);
      await store.save(EMAIL, { sealedSecret: sealed, createdAt: clock.t, lastStep: confirmStep! });
    });

    const codeNow = () => service.generate(box.open(sealed, EMAIL));

    it('refuses the code that confirmed the enrolment', async () => {
      expect(await verify(codeNow())).toBe(false);
    });

    it('accepts a code once, then refuses it and every earlier code in the window', async () => {
      clock.t += STEP_MS;
      const previous = service.generate(box.open(sealed, EMAIL), clock.t - STEP_MS);
      const current = codeNow();
      expect(await verify(current)).toBe(true);
      expect(await verify(current)).toBe(false);
      // Still inside the ±1 window, but earlier than the accepted step.
      expect(service.matchStep(box.open(sealed, EMAIL), previous)).toBe(STEP);
      expect(await verify(previous)).toBe(false);
      clock.t += STEP_MS;
      expect(await verify(codeNow())).toBe(true);
    });

    it('after a code from a fast device (step + 1), refuses the current step', async () => {
      clock.t += STEP_MS;
      const secret = box.open(sealed, EMAIL);
      const ahead = service.generate(secret, clock.t + STEP_MS);
      expect(await verify(ahead)).toBe(true);
      expect(await verify(codeNow())).toBe(false);
      expect((await store.get(EMAIL))?.lastStep).toBe(STEP + 2);
    });

    it('refuses wrong codes without spending the step', async () => {
      clock.t += STEP_MS;
      const code = codeNow();
      const wrong = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      expect(await verify(wrong)).toBe(false);
      expect(await verify(code)).toBe(true);
    });
  });
});
