import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import type { TestSmtpServer } from './smtp.js';

/** How an {@link SmtpGate} treats connections. */
export type GateMode = 'refuse' | 'silent' | 'open';

/**
 * A TCP front on a fixed port for a {@link TestSmtpServer}, switched by the test between refusing
 * connections (nothing listens: ECONNREFUSED), accepting them and never greeting (the client's
 * greeting timeout), and passing them through. Its URL stays the same across the switches, so an
 * app (or a child process) configured with it sees one SMTP server that fails, then recovers.
 */
export class SmtpGate {
  /** Connections accepted so far (silent or passed through). */
  connections = 0;
  private server?: Server;
  private port = 0;
  private mode: GateMode = 'refuse';
  private readonly sockets = new Set<Socket>();

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

  private listen(port: number): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.mode !== 'open') return; // silent: say nothing, hold the line
    const upstream = net.connect(Number(new URL(this.target.url).port), '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  }
}
