import net, { type Server, type Socket } from 'node:net';
import type { TestSmtpServer } from './smtp.js';
import { listenOnLoopback } from './loopback.js';

/**
 * How an {@link SmtpGate} treats connections: `refuse` (nothing listens), `silent` (accepted, never
 * greeted), `open` (passed through), or passed through up to the end of a message:
 * - `hold-data`: the client's end of the message (the lone `.` line) is held back, so the server
 *   never has the whole message and takes nothing (a client that goes away loses it);
 * - `hold-reply`: the whole message reaches the server, which takes it, and its reply (the `250`)
 *   is held back: the client waits, not knowing its mail was taken.
 */
export type GateMode = 'refuse' | 'silent' | 'open' | 'hold-data' | 'hold-reply';

/** SMTP's end of message data: a line holding a lone dot (RFC 5321 4.1.1.4). */
const END_OF_DATA = '\r\n.\r\n';

/**
 * A TCP front on a fixed port for a {@link TestSmtpServer}, switched by the test between refusing
 * connections (nothing listens: ECONNREFUSED), accepting them and never greeting (the client's
 * greeting timeout), passing them through, and holding a message mid-delivery (see
 * {@link GateMode}). Its URL stays the same across the switches, so an app (or a child process)
 * configured with it sees one SMTP server that fails, then recovers.
 */
export class SmtpGate {
  /** Connections accepted so far (silent or passed through). */
  connections = 0;
  private server?: Server;
  private port = 0;
  private mode: GateMode = 'refuse';
  private readonly sockets = new Set<Socket>();
  /** Connections holding a message (`hold-data`, `hold-reply`): each lets it go on when called. */
  private readonly holding = new Map<Socket, () => void>();

  constructor(private readonly target: TestSmtpServer) {}

  /**
   * `smtp://user:pass@127.0.0.1:PORT` plus `query` (nodemailer reads options from it, e.g.
   * `greetingTimeout=300`).
   */
  url(query = ''): string {
    if (!this.port) throw new Error('SmtpGate is not started');
    return `smtp://user:pass@127.0.0.1:${this.port}${query ? `?${query}` : ''}`;
  }

  /** Takes a free port and starts in `mode`. */
  async start(mode: GateMode = 'open'): Promise<void> {
    await this.listen(0);
    await this.set(mode);
  }

  /** Connections that hold a message now (see {@link GateMode}), i.e. mails in the middle of delivery. */
  get held(): number {
    return this.holding.size;
  }

  /**
   * Lets every held message go on (what was held back is passed, then everything), and passes new
   * connections through (`open`) without dropping any.
   */
  release(): void {
    this.mode = 'open';
    for (const go of [...this.holding.values()]) go();
  }

  /** Switches mode; connections already open are dropped. */
  async set(mode: GateMode): Promise<void> {
    this.mode = mode;
    for (const s of this.sockets) s.destroy();
    if (mode === 'refuse') await this.unlisten();
    else if (!this.server) await this.listen(this.port);
  }

  /** Drops every connection and stops listening. */
  async stop(): Promise<void> {
    this.mode = 'refuse';
    for (const s of this.sockets) s.destroy();
    await this.unlisten();
  }

  private async listen(port: number): Promise<void> {
    ({ server: this.server, port: this.port } = await listenOnLoopback(port, (socket) => this.accept(socket)));
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.holding.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    let mode = this.mode;
    if (mode === 'silent' || mode === 'refuse') return; // say nothing, hold the line
    const upstream = net.connect(Number(new URL(this.target.url).port), '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
    if (mode === 'open') {
      socket.pipe(upstream).pipe(socket);
      return;
    }
    // Once the message ended: what the server may not see yet (`hold-data`) or the client (`hold-reply`).
    const held: Buffer[] = [];
    const heldFor = mode === 'hold-data' ? upstream : socket;
    let ended = false;
    let tail = '';
    const hold = () => {
      ended = true;
      this.holding.set(socket, () => {
        this.holding.delete(socket);
        mode = 'open';
        heldFor.write(Buffer.concat(held.splice(0)));
      });
    };
    socket.on('data', (chunk: Buffer) => {
      // The end may be split between two chunks: look at the last bytes of the one before too.
      const seen = tail + chunk.toString('latin1');
      tail = seen.slice(1 - END_OF_DATA.length);
      const endsHere = mode !== 'open' && !ended && seen.includes(END_OF_DATA);
      if (mode === 'hold-data' && (ended || endsHere)) {
        held.push(chunk);
        if (endsHere) hold();
        return;
      }
      upstream.write(chunk);
      if (mode === 'hold-reply' && endsHere) hold();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'hold-reply' && ended) held.push(chunk);
      else socket.write(chunk);
    });
  }
}
