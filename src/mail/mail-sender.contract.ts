import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPermanentFailure } from './mail.errors.js';
import type { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';

/** What a contract run needs: a fresh sender, a view of what it delivered, and optional hooks. */
export interface MailSenderFixture {
  sender: MailSender;
  /** The messages that reached their recipients so far (by recipient address). */
  delivered(to: string): Promise<MailMessage[]> | MailMessage[];
  /** Makes the transport refuse `to` for good (an SMTP 550), when it can. */
  refuse?(to: string): void;
  cleanup?(): Promise<void>;
}

const address = () => `to-${randomUUID().slice(0, 8)}@example.test`;
const message = (to: string, n = 1): MailMessage => ({
  to,
  subject: `Subject ${n} for ${to}`,
  text: `Text ${n} with a line\nand another`,
  html: `<p>HTML ${n}</p>`,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(read: () => Promise<T> | T, done: (v: T) => boolean, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await sleep(20);
  }
}

/** How long {@link settledDeliveries} keeps watching after the expected messages arrived (ms). */
export const SETTLE_MS = 250;

/**
 * What reached `to`, read once `count` messages are there (or 3 s passed) and then again
 * `settleMs` later: a duplicate that arrives after the first delivery is in the answer.
 */
export async function settledDeliveries(
  fixture: Pick<MailSenderFixture, 'delivered'>,
  to: string,
  count: number,
  settleMs = SETTLE_MS,
): Promise<MailMessage[]> {
  await eventually(
    () => fixture.delivered(to),
    (m) => m.length >= count,
  );
  await sleep(settleMs);
  return fixture.delivered(to);
}

/**
 * The contract's "delivers a message once" check: one message sent, exactly one delivered (after
 * the settle time), with its subject, text and HTML.
 */
export async function expectDeliveredOnce(fixture: MailSenderFixture): Promise<void> {
  const to = address();
  await fixture.sender.send(message(to));
  const got = await settledDeliveries(fixture, to, 1);
  expect(got).toHaveLength(1);
  expect(got[0].subject).toBe(`Subject 1 for ${to}`);
  expect(got[0].text).toContain('Text 1 with a line');
  expect(got[0].html).toContain('HTML 1');
}

/**
 * The behaviour every {@link MailSender} must show: it reports readiness, delivers each message
 * once with its subject and both parts (a duplicate arriving up to {@link SETTLE_MS} after the
 * first delivery fails the check), delivers parallel sends, and (when the transport can be
 * made to refuse) rejects a refusal for good with a permanent `MailDeliveryError`, which the
 * dispatcher never retries.
 */
export function mailSenderContract(name: string, make: () => Promise<MailSenderFixture>): void {
  describe(`MailSender contract: ${name}`, () => {
    let fixture: MailSenderFixture;

    beforeEach(async () => {
      fixture = await make();
    });

    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('is ready when its transport is', async () => {
      expect(await fixture.sender.isReady()).toBe(true);
    });

    it('delivers a message once, with its subject, text and HTML', async () => {
      await expectDeliveredOnce(fixture);
    });

    it('delivers parallel sends, each once', async () => {
      const to = address();
      await Promise.all(Array.from({ length: 10 }, (_, i) => fixture.sender.send(message(to, i))));
      const got = await settledDeliveries(fixture, to, 10);
      expect(got.map((m) => m.subject).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `Subject ${i} for ${to}`).sort(),
      );
    });

    it('rejects a permanent refusal as permanent, and delivers nothing', async () => {
      if (!fixture.refuse) {
        // A transport that cannot refuse (an in-memory outbox) accepts every well-formed message.
        const to = address();
        await expect(fixture.sender.send(message(to))).resolves.toBeUndefined();
        return;
      }
      const to = address();
      fixture.refuse(to);
      const err: unknown = await fixture.sender.send(message(to)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'send should reject').toBeDefined();
      expect(isPermanentFailure(err)).toBe(true);
      expect(await fixture.delivered(to)).toEqual([]);
    });
  });
}
