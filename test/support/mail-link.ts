import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { ReceivedMail } from './smtp.js';

/**
 * Helpers of the emailed-link suites: the sign-in link read out of a delivered mail (its text and
 * HTML parts), and {@link HeaderSmtpServer}, an SMTP server that keeps what {@link TestSmtpServer}
 * does not: every header of every DATA it receives, accepted or refused.
 */

/** The sign-in link of a mail, found in both of its parts. */
export interface SignInLink {
  /** `APP_URL/verify/link?t=<token>`, the same in the text and the HTML part. */
  url: string;
  /** The `t` parameter: `<challenge id>.<secret>`. */
  token: string;
  /** The challenge id the token names (the part before the dot; its Redis key is `otpKey("c", id)`). */
  challengeId: string;
}

/** What Handlebars' `{{ }}` escapes, and the numeric references any HTML may use, decoded. */
export function decodeHtml(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const n = ref[1].toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(n);
    }
    return named[ref.toLowerCase()] ?? whole;
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every `APP_URL/verify/link?...` URL in a text part. */
export function linksInText(text: string, appUrl: string): string[] {
  return [...text.matchAll(new RegExp(`${escapeRegExp(appUrl)}/verify/link\\?\\S+`, 'g'))].map((m) => m[0]);
}

/** Every `href` of an HTML part that points at `/verify/link`, entities decoded. */
export function linksInHtml(html: string): string[] {
  return [...html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)]
    .map((m) => decodeHtml(m[1]))
    .filter((href) => href.includes('/verify/link'));
}

/**
 * The sign-in link of `mail`: exactly one in the text part and one in the HTML part, the same URL,
 * under `appUrl`. Throws, saying what was found, otherwise.
 */
export function signInLinkOf(mail: Pick<ReceivedMail, 'text' | 'html'>, appUrl: string): SignInLink {
  const inText = linksInText(mail.text, appUrl);
  const inHtml = linksInHtml(mail.html);
  if (inText.length !== 1 || inHtml.length !== 1 || inText[0] !== inHtml[0]) {
    throw new Error(
      `Want one identical sign-in link under ${appUrl} in each part; text: ${JSON.stringify(inText)}, ` +
        `html: ${JSON.stringify(inHtml)}`,
    );
  }
  const url = new URL(inText[0]);
  const token = url.searchParams.get('t') ?? '';
  if (url.pathname !== '/verify/link' || [...url.searchParams.keys()].join() !== 't' || !token.includes('.')) {
    throw new Error(`Not a sign-in link: ${inText[0]}`);
  }
  return { url: inText[0], token, challengeId: token.slice(0, token.indexOf('.')) };
}

/** A token for the same challenge as `token` with another secret of the same shape. */
export function forgedToken(token: string): string {
  const dot = token.indexOf('.');
  const secret = token.slice(dot + 1);
  const flipped = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
  return `${token.slice(0, dot)}.${flipped}`;
}

/** One DATA transfer as {@link HeaderSmtpServer} received it. */
export interface RawMail {
  /** Envelope recipients (RCPT TO), lowercased. */
  to: string[];
  /** The message source as received (CRLF line ends). */
  raw: string;
  /** Header fields in order, names as sent, values unfolded and trimmed. */
  headers: [name: string, value: string][];
  text: string;
  html: string;
  /** False when the test scripted a refusal of this DATA (the sender must try again). */
  accepted: boolean;
  receivedAt: number;
}

/** The values of header `name` (case-insensitive) of a {@link RawMail}. */
export function headerValues(mail: RawMail, name: string): string[] {
  return mail.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** Splits a message source into its header fields (RFC 5322 §2.2: unfolds continuation lines). */
export function parseHeaderBlock(raw: string): [string, string][] {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '');
  return block
    .split(/\r?\n/)
    .filter((line) => line.includes(':'))
    .map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
}

/**
 * A real SMTP server on 127.0.0.1 (free port, no TLS, any AUTH accepted) that keeps the source and
 * the headers of every DATA it receives. {@link refuseData} scripts replies to DATA (not RCPT TO),
 * so a refused message has been sent in full and its headers can be compared with the retry's.
 */
export class HeaderSmtpServer {
  /** Every DATA received, refused ones included, oldest first. */
  readonly received: RawMail[] = [];
  private readonly server: SMTPServer;
  private readonly scripted = new Map<string, number[]>();
  private port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 500,
      onAuth: (a, _session, cb) => cb(null, { user: a.username ?? 'anonymous' }),
      onData: (stream, session, cb) => {
        const receivedAt = Date.now();
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.once('error', (err: Error) => cb(err));
        stream.once('end', () => {
          const raw = Buffer.concat(chunks);
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          const code = to.map((rcpt) => this.scripted.get(rcpt)?.shift()).find((c) => c !== undefined);
          simpleParser(raw)
            .then((parsed) => {
              const accepted = code === undefined || code < 400;
              this.received.push({
                to,
                raw: raw.toString('utf8'),
                headers: parseHeaderBlock(raw.toString('utf8')),
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                accepted,
                receivedAt,
              });
              if (accepted) return cb();
              cb(Object.assign(new Error(`Message refused (${code}, scripted by the test)`), { responseCode: code }));
            })
            .catch((err: Error) => cb(err));
        });
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

  /** `smtp://user:pass@127.0.0.1:PORT`, for SMTP_URL. */
  get url(): string {
    if (!this.port) throw new Error('HeaderSmtpServer is not started');
    return `smtp://user:pass@127.0.0.1:${this.port}`;
  }

  /**
   * Scripts the replies to the next DATA commands of messages to `address`: each takes the next
   * code (>= 400 refuses it with that code, e.g. 451 try again later); then messages are accepted.
   */
  refuseData(address: string, codes: number[]): void {
    const rcpt = address.toLowerCase();
    this.scripted.set(rcpt, [...(this.scripted.get(rcpt) ?? []), ...codes]);
  }

  /** Every DATA received for `to` so far (refused ones included). */
  receivedFor(to: string): RawMail[] {
    return this.received.filter((m) => m.to.includes(to.toLowerCase()));
  }

  /** Waits until `count` DATA transfers for `to` were received (refused ones included); returns them all. */
  async waitForReceived(to: string, count: number, timeoutMs = 5000): Promise<RawMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.receivedFor(to);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`${got.length} of ${count} messages to ${to} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
