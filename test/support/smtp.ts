import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message received by TestSmtpServer. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO), lowercased. */
  to: string[];
  /** The From header as text (envelope sender if the header is missing). */
  from: string;
  subject: string;
  /** The Message-ID header, with its angle brackets (`<...@host>`); empty when missing. */
  messageId: string;
  text: string;
  html: string;
  /** ms epoch at which the DATA transfer started. */
  receivedAt: number;
  /** First standalone one-time code in the text part (see extractCode). */
  code?: string;
}

interface Waiter {
  to: string;
  since?: number;
  resolve(mail: ReceivedMail): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Finds the first standalone group of `length` digits in `text`, also when written with one space
 * or dash in the middle (`123 456`, `123-456`), and returns its digits only.
 */
export function extractCode(text: string, length = 6): string | undefined {
  const a = Math.floor(length / 2);
  const split = length >= 2 ? `|\\d{${a}}[ -]\\d{${length - a}}` : '';
  const re = new RegExp(`(?<!\\w|\\d[ -])(\\d{${length}}${split})(?!\\w|[ -]\\d)`);
  return re.exec(text)?.[1]?.replace(/\D/g, '');
}

/**
 * A real SMTP server on 127.0.0.1 (free port, no TLS, any AUTH accepted) that parses and keeps
 * every message. Note: smtp-server always waits ~100 ms before its 220 greeting (hardcoded
 * early-talker check, no option for it); reverse DNS is disabled so nothing else delays it.
 *
 * Every recipient is accepted unless a test scripts its RCPT TO replies with {@link refuse};
 * RCPT TO attempts are counted per recipient ({@link rcptAttempts}, {@link rcptTimes}). smtp-server
 * turns a punycode domain back to Unicode (`xn--bcher-kva.example` is seen as `bücher.example`), so
 * name recipients of internationalised domains in their Unicode form.
 */
export class TestSmtpServer {
  readonly mails: ReceivedMail[] = [];
  private readonly server: SMTPServer;
  /** Scripted RCPT TO reply codes per recipient (lowercased), consumed one per attempt. */
  private readonly scripted = new Map<string, number[]>();
  /** ms epoch of each RCPT TO per recipient (lowercased), refused or accepted. */
  private readonly rcptLog = new Map<string, number[]>();
  /** Recipients for which waitForMail already returned a given mail. */
  private readonly returned = new WeakMap<ReceivedMail, Set<string>>();
  private waiters: Waiter[] = [];
  private port = 0;

  constructor(private readonly auth: { user: string; pass: string } = { user: 'user', pass: 'pass' }) {
    this.server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 500,
      onAuth: (a, _session, cb) => cb(null, { user: a.username ?? 'anonymous' }),
      onRcptTo: (address, _session, cb) => {
        const rcpt = address.address.toLowerCase();
        this.rcptLog.set(rcpt, [...(this.rcptLog.get(rcpt) ?? []), Date.now()]);
        const code = this.scripted.get(rcpt)?.shift();
        if (code === undefined || code < 400) return cb();
        const kind = code >= 500 ? 'permanently' : 'temporarily';
        cb(
          Object.assign(new Error(`Mailbox <${rcpt}> ${kind} refused (scripted by the test)`), { responseCode: code }),
        );
      },
      onData: (stream, session, cb) => {
        const receivedAt = Date.now();
        simpleParser(stream)
          .then((parsed) => {
            const text = parsed.text ?? '';
            this.add({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: parsed.from?.text ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
              subject: parsed.subject ?? '',
              messageId: parsed.messageId ?? '',
              text,
              html: typeof parsed.html === 'string' ? parsed.html : '',
              receivedAt,
              code: extractCode(text),
            });
            cb();
          })
          .catch((err: Error) => cb(err));
      },
    });
  }

  /** Listens on 127.0.0.1 on a free port. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** `smtp://user:pass@127.0.0.1:PORT`, usable as SMTP_URL or with nodemailer.createTransport(). */
  get url(): string {
    if (!this.port) throw new Error('TestSmtpServer is not started');
    const { user, pass } = this.auth;
    return `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this.port}`;
  }

  /** Mails received so far for a recipient (case-insensitive). */
  mailsTo(to: string): ReceivedMail[] {
    const rcpt = to.toLowerCase();
    return this.mails.filter((m) => m.to.includes(rcpt));
  }

  /**
   * Resolves with the first mail to `to` received at or after `since` (ms epoch); without `since`,
   * the first one not yet returned by waitForMail. Rejects after `timeoutMs` (default 5000).
   */
  waitForMail(to: string, opts: { timeoutMs?: number; since?: number } = {}): Promise<ReceivedMail> {
    const rcpt = to.toLowerCase();
    const { timeoutMs = 5000, since } = opts;
    const found = this.mails.find((m) => this.matches(m, rcpt, since));
    if (found) return Promise.resolve(this.take(found, rcpt));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        to: rcpt,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          const seen = this.mails.map((m) => `${m.to.join(',')}: "${m.subject}"`).join('; ') || 'none';
          const after = since === undefined ? '' : ` at or after ${new Date(since).toISOString()}`;
          reject(new Error(`No mail to ${rcpt}${after} within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Scripts the replies to the next RCPT TO commands for `address` (case-insensitive): each attempt
   * takes the next code of `codes` (appended to any codes still scripted). A code >= 400 is an error
   * reply with that code (e.g. 550 mailbox unavailable, 451 try again later); a lower code, or an
   * exhausted script, accepts the recipient. Example: `refuse(email, [451, 250])` refuses the first
   * attempt temporarily and accepts the second.
   */
  refuse(address: string, codes: number[]): void {
    const rcpt = address.toLowerCase();
    this.scripted.set(rcpt, [...(this.scripted.get(rcpt) ?? []), ...codes]);
  }

  /** How many RCPT TO commands named `address` (case-insensitive) so far, refused or accepted. */
  rcptAttempts(address: string): number {
    return this.rcptTimes(address).length;
  }

  /** ms epoch of each RCPT TO naming `address` (case-insensitive), oldest first. */
  rcptTimes(address: string): number[] {
    return [...(this.rcptLog.get(address.toLowerCase()) ?? [])];
  }

  /** Forgets all received mails (pending waitForMail calls keep waiting). */
  clear(): void {
    this.mails.length = 0;
  }

  /** Rejects pending waiters and closes the server (open connections are dropped after 500 ms). */
  stop(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`TestSmtpServer stopped while waiting for mail to ${w.to}`));
    }
    this.waiters = [];
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private matches(m: ReceivedMail, rcpt: string, since?: number): boolean {
    if (!m.to.includes(rcpt)) return false;
    return since === undefined ? !this.returned.get(m)?.has(rcpt) : m.receivedAt >= since;
  }

  private take(m: ReceivedMail, rcpt: string): ReceivedMail {
    this.returned.set(m, (this.returned.get(m) ?? new Set<string>()).add(rcpt));
    return m;
  }

  private add(mail: ReceivedMail): void {
    this.mails.push(mail);
    for (const w of [...this.waiters]) {
      if (!this.matches(mail, w.to, w.since)) continue;
      clearTimeout(w.timer);
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(this.take(mail, w.to));
    }
  }
}
