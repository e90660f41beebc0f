import net, { type Server, type Socket } from 'node:net';
import { listenOnLoopback } from './loopback.js';

/** The first byte of a RESP error reply (`-ERR ...`, `-NOSCRIPT ...`). */
const ERROR_REPLY = '-'.charCodeAt(0);

/**
 * A TCP front on a fixed port for a Redis server, to make it go away at an exact point of a
 * request: everything passes through until the command {@link cutAfter} waits for has been
 * answered; then every connection is dropped and new ones are refused (nothing listens) until
 * {@link open}. An app whose `REDIS_URL` is the gate's {@link url} sees Redis answer that command,
 * then fail the next one, as if the server had died in between.
 */
export class RedisGate {
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private trigger?: { text: string; cut: () => void };

  /** @param target the port of the Redis server behind the gate (on 127.0.0.1). */
  constructor(private readonly target: number) {}

  /** `redis://127.0.0.1:PORT`: the same before and after a cut. */
  get url(): string {
    if (!this.port) throw new Error('RedisGate is not started');
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Takes a free port and passes connections through. */
  start(): Promise<void> {
    return this.listen(0);
  }

  /**
   * Resolves once a command whose bytes hold `text` (e.g. a key name) has been answered, other than
   * by an error (which changed nothing): the answer reaches the client, then the gate drops every
   * connection and stops listening.
   */
  cutAfter(text: string): Promise<void> {
    return new Promise((resolve) => (this.trigger = { text, cut: resolve }));
  }

  /** Listens again on the same port (after a cut). */
  async open(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  /** Drops every connection and stops listening. */
  async stop(): Promise<void> {
    this.trigger = undefined;
    await this.close();
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private async listen(port: number): Promise<void> {
    ({ server: this.server, port: this.port } = await listenOnLoopback(port, (socket) => this.accept(socket)));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const upstream = net.connect(this.target, '127.0.0.1');
    socket.once('close', () => {
      this.sockets.delete(socket);
      upstream.destroy();
    });
    socket.on('error', () => socket.destroy());
    upstream.on('error', () => socket.destroy());
    upstream.once('close', () => socket.destroy());
    // The command the trigger waits for went through this connection: its answer is the next one back.
    let sent: RedisGate['trigger'];
    socket.on('data', (chunk: Buffer) => {
      if (this.trigger && chunk.toString('latin1').includes(this.trigger.text)) {
        sent = this.trigger;
        this.trigger = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!sent || chunk[0] === ERROR_REPLY) {
        // An error answer (e.g. NOSCRIPT: the client sends the script's text next) did nothing: wait on.
        if (sent) this.trigger = sent;
        sent = undefined;
        socket.write(chunk);
        return;
      }
      const cut = sent.cut;
      sent = undefined;
      // The answer first (`end` sends what is written before it closes), then every other connection.
      this.sockets.delete(socket);
      upstream.destroy();
      socket.end(chunk, () => socket.destroy());
      void this.close().then(cut);
    });
  }
}
