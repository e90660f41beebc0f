import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InProcessMailQueue } from './in-process-mail.queue.js';
import { MailDelivery } from './mail.delivery.js';
import { MailDispatcher } from './mail.dispatcher.js';
import { MailDeliveryError } from './mail.errors.js';
import { MailEvents, type MailUndeliverableEvent } from './mail.events.js';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';

/** A transport that fails its first `failures` sends, or waits on `gate` when one is set. */
class FakeSender extends MailSender {
  readonly sent: MailMessage[] = [];
  attempts = 0;
  failures = 0;
  /** The error each failure throws. */
  failWith: () => Error = () => new Error('connect ECONNREFUSED 127.0.0.1:25');
  gate?: Promise<void>;

  async send(message: MailMessage): Promise<void> {
    this.attempts++;
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw this.failWith();
    }
    this.sent.push(message);
  }

  async isReady(): Promise<boolean> {
    return true;
  }
}

const CODE = '483920';
const message: MailMessage = {
  to: 'someone@example.test',
  subject: `Your sign-in code is ${CODE}`,
  text: `Your code: ${CODE}. It expires in 10 minutes.`,
  html: `<p>Your code: <strong>${CODE}</strong></p>`,
};

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('MailDispatcher', () => {
  let sender: FakeSender;
  let dispatcher: MailDispatcher;
  let warn: MockInstance;
  let error: MockInstance;
  let events: EventEmitter2;
  let undeliverable: MailUndeliverableEvent[];

  beforeEach(() => {
    vi.useFakeTimers();
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    sender = new FakeSender();
    events = new EventEmitter2();
    undeliverable = [];
    events.on(MailEvents.Undeliverable, (e: MailUndeliverableEvent) => undeliverable.push(e));
    dispatcher = new MailDispatcher(new InProcessMailQueue(new MailDelivery(sender, events)));
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /** Every string handed to the logger. */
  function logged(): string {
    return [...warn.mock.calls, ...error.mock.calls].flat().map(String).join('\n');
  }

  it('returns at once, before the sender is called', async () => {
    expect(dispatcher.dispatch(message)).toBeUndefined();
    expect(sender.attempts).toBe(0);
    expect(dispatcher.inFlight).toBe(1);
    // Not even after the current microtasks: delivery waits for the next turn of the event loop.
    await Promise.resolve();
    await Promise.resolve();
    expect(sender.attempts).toBe(0);

    await vi.advanceTimersByTimeAsync(0);
    expect(sender.sent).toEqual([message]);
    expect(dispatcher.inFlight).toBe(0);
  });

  it('does not wait for a slow transport', async () => {
    sender.gate = new Promise(() => undefined); // never delivers
    for (let i = 0; i < 5; i++) expect(dispatcher.dispatch({ ...message, to: `u${i}@example.test` })).toBeUndefined();
    expect(sender.attempts).toBe(0);
    expect(dispatcher.inFlight).toBe(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.attempts).toBe(5);
    expect(dispatcher.inFlight).toBe(5);
  });

  it('retries a failing sender after 250 ms and 1 s, and succeeds on a later attempt', async () => {
    sender.failures = 2;
    dispatcher.dispatch(message);

    await vi.advanceTimersByTimeAsync(0);
    expect(sender.attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(sender.attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(sender.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.attempts).toBe(3);

    expect(sender.sent).toEqual([message]);
    expect(dispatcher.inFlight).toBe(0);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(error).not.toHaveBeenCalled();
    expect(logged()).toContain('someone@example.test');
  });

  it('gives up after the last attempt and logs without the content', async () => {
    sender.failures = Number.POSITIVE_INFINITY;
    dispatcher.dispatch(message);

    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(250);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sender.attempts).toBe(3);
    expect(error).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(4000);
    expect(sender.attempts).toBe(4);
    expect(dispatcher.inFlight).toBe(0);

    expect(error).toHaveBeenCalledTimes(1);
    const [line] = error.mock.calls[0] as [string];
    expect(line).toContain('someone@example.test');
    expect(line).toContain('after 4 attempts');
    expect(line).toContain('ECONNREFUSED');

    const all = logged();
    expect(all).not.toContain(CODE);
    expect(all).not.toContain(message.subject);
    expect(all).not.toContain(message.text);
    expect(all).not.toContain(message.html);

    // Nothing more is tried afterwards.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.attempts).toBe(4);
    expect(sender.sent).toEqual([]);
  });

  it('never retries a permanent refusal (SMTP 5xx), and reports the mail undeliverable with its tag', async () => {
    sender.failures = Number.POSITIVE_INFINITY;
    sender.failWith = () => new MailDeliveryError('550 5.1.1 No such user', true);
    dispatcher.dispatch({ ...message, tag: 'challenge:abc' });

    await vi.advanceTimersByTimeAsync(0);
    expect(sender.attempts).toBe(1);
    expect(dispatcher.inFlight).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.attempts).toBe(1);
    expect(warn).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
    expect(undeliverable).toEqual([{ to: message.to, tag: 'challenge:abc', permanent: true, attempts: 1 }]);
    expect(logged()).not.toContain(CODE);
  });

  it('retries a temporary refusal (SMTP 4xx) and reports nothing when a retry gets through', async () => {
    sender.failures = 1;
    sender.failWith = () => new MailDeliveryError('451 4.3.0 Try again later', false);
    dispatcher.dispatch({ ...message, tag: 'challenge:abc' });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(250);
    expect(sender.attempts).toBe(2);
    expect(sender.sent).toHaveLength(1);
    expect(undeliverable).toEqual([]);
  });

  it('reports a mail undeliverable after the last retry of temporary failures', async () => {
    sender.failures = Number.POSITIVE_INFINITY;
    dispatcher.dispatch({ ...message, tag: 'challenge:xyz' });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(250 + 1000 + 4000);
    expect(sender.attempts).toBe(4);
    expect(undeliverable).toEqual([{ to: message.to, tag: 'challenge:xyz', permanent: false, attempts: 4 }]);
  });

  it('delivers each message on its own', async () => {
    const other = { ...message, to: 'other@example.test' };
    sender.failures = 1;
    dispatcher.dispatch(message);
    dispatcher.dispatch(other);
    await vi.advanceTimersByTimeAsync(0);
    // The first send failed, the second went through.
    expect(sender.sent).toEqual([other]);
    await vi.advanceTimersByTimeAsync(250);
    expect(sender.sent).toEqual([other, message]);
  });

  it('drain waits for in-flight deliveries', async () => {
    const gate = deferred();
    sender.gate = gate.promise;
    dispatcher.dispatch(message);
    let drained = false;
    const draining = dispatcher.drain().then(() => (drained = true));

    await vi.advanceTimersByTimeAsync(100);
    expect(sender.attempts).toBe(1);
    expect(drained).toBe(false);

    gate.resolve();
    await draining;
    expect(drained).toBe(true);
    expect(sender.sent).toEqual([message]);
    expect(dispatcher.inFlight).toBe(0);
  });

  it('drain waits through retry delays', async () => {
    sender.failures = 1;
    dispatcher.dispatch(message);
    let drained = false;
    void dispatcher.drain().then(() => (drained = true));

    await vi.advanceTimersByTimeAsync(200);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(drained).toBe(true);
    expect(sender.sent).toEqual([message]);
  });

  it('drain gives up after its timeout', async () => {
    sender.gate = new Promise(() => undefined); // never delivers
    dispatcher.dispatch(message);
    let drained = false;
    void dispatcher.drain(1000).then(() => (drained = true));

    await vi.advanceTimersByTimeAsync(999);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(true);
    expect(dispatcher.inFlight).toBe(1);
  });

  it('drain resolves at once with nothing in flight', async () => {
    let drained = false;
    void dispatcher.drain().then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(true);
  });

  it('drains on application shutdown', async () => {
    const gate = deferred();
    sender.gate = gate.promise;
    dispatcher.dispatch(message);
    let done = false;
    void dispatcher.onApplicationShutdown().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(sender.sent).toEqual([message]);
  });
});
