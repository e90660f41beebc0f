import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * The SMTP server the app delivers codes to: the same `smtp-server` package and settings as the
 * tests' TestSmtpServer (loopback, no TLS, any AUTH), but without mailparser: the code is read
 * from the raw message (the text part has the code alone on a line), so the load generator stays
 * cheap. smtp-server waits 100 ms before greeting each new connection (hard-coded).
 */
export class SmtpSink {
  private readonly server: SMTPServer;
  private readonly codes = new Map<string, { code: string; at: number }>();
  private readonly waiters = new Map<
    string,
    { resolve(v: { code: string; at: number }): void; timer: NodeJS.Timeout }
  >();
  private port = 0;
  received = 0;
  /** Bytes of message data received. */
  bytes = 0;
  /** Security notices (a "this wasn't me" link, no code): counted, not errors. */
  notices = 0;
  /** Messages without a recognisable code that are not notices, and the last one of them. */
  unreadable = 0;
  lastUnreadable = '';
  /** SMTP connections opened by the app (each costs the 100 ms greeting delay). */
  connections = 0;

  constructor(private readonly codeLength = 6) {
    // The code alone on a line of the text part (indentation allowed).
    const lineRe = new RegExp(`\\n[ \\t]*(\\d{${codeLength}})[ \\t]*\\r?\\n`);
    const findCode = (raw: string): string | undefined => {
      const plain = lineRe.exec(raw)?.[1];
      if (plain) return plain;
      // A base64-encoded part (nodemailer picks it for some non-ASCII texts): decode and look again.
      for (const m of raw.matchAll(
        /Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/gi,
      )) {
        const code = lineRe.exec(`\n${Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('utf8')}\n`)?.[1];
        if (code) return code;
      }
      return undefined;
    };
    this.server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 200,
      size: 256 * 1024,
      onConnect: (_session, cb) => {
        this.connections++;
        cb();
      },
      onAuth: (a, _session, cb) => cb(null, { user: a.username ?? 'anonymous' }),
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const at = Date.now();
          this.received++;
          const buf = Buffer.concat(chunks);
          this.bytes += buf.length;
          const raw = buf.toString('latin1');
          const code = findCode(raw);
          if (!code && raw.includes('/account/not-me')) this.notices++;
          else if (!code) {
            this.unreadable++;
            this.lastUnreadable = raw;
          } else for (const r of session.envelope.rcptTo) this.deliver(r.address.toLowerCase(), { code, at });
          cb();
        });
      },
    });
  }

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

  get url(): string {
    return `smtp://bench:bench@127.0.0.1:${this.port}`;
  }

  /** The code mailed to `to` (waits for it; the app delivers after answering). */
  code(to: string, timeoutMs = 5000): Promise<{ code: string; at: number }> {
    const rcpt = to.toLowerCase();
    const got = this.codes.get(rcpt);
    if (got) {
      this.codes.delete(rcpt);
      return Promise.resolve(got);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(rcpt);
        reject(new Error(`no mail to ${rcpt} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(rcpt, { resolve, timer });
    });
  }

  /** Forgets codes nobody asked for. */
  clear(): void {
    this.codes.clear();
  }

  stop(): Promise<void> {
    for (const w of this.waiters.values()) clearTimeout(w.timer);
    this.waiters.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private deliver(rcpt: string, v: { code: string; at: number }) {
    const w = this.waiters.get(rcpt);
    if (w) {
      clearTimeout(w.timer);
      this.waiters.delete(rcpt);
      w.resolve(v);
    } else {
      this.codes.set(rcpt, v);
    }
  }
}
