import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
  setCookie: string[];
  /** The `location` header of a redirect. */
  location?: string;
}

/**
 * One browser-like client: one keep-alive connection, one cookie jar (the session cookie only).
 * Plain `node:http`, so the load generator costs little CPU next to the app it measures.
 */
export class BenchClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  cookie = '';

  /**
   * @param cookieName the session cookie, the only one kept
   * @param postHeaders sent with every POST (e.g. an `origin` for servers that check it)
   */
  constructor(
    private readonly port: number,
    private readonly cookieName = 'sid',
    private readonly postHeaders: Record<string, string> = {},
  ) {}

  get(path: string, accept = 'text/html'): Promise<HttpAnswer> {
    return this.request('GET', path, undefined, accept);
  }

  postJson(path: string, body: unknown): Promise<HttpAnswer> {
    return this.request('POST', path, JSON.stringify(body), 'application/json');
  }

  /** A form post (`application/x-www-form-urlencoded`), as a browser without JavaScript sends it. */
  postForm(path: string, fields: Record<string, string>): Promise<HttpAnswer> {
    return this.request('POST', path, new URLSearchParams(fields).toString(), 'text/html', 'form');
  }

  /** Forgets the session (a new visitor on the same connection). */
  reset(): void {
    this.cookie = '';
  }

  close(): void {
    this.agent.destroy();
  }

  private request(
    method: string,
    path: string,
    body: string | undefined,
    accept: string,
    encoding: 'json' | 'form' = 'json',
  ): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { accept, ...(method === 'POST' ? this.postHeaders : {}) };
      if (this.cookie) headers.cookie = this.cookie;
      if (body !== undefined) {
        headers['content-type'] = encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie'] ?? [];
            for (const c of setCookie) {
              const pair = c.split(';', 1)[0];
              if (pair.startsWith(`${this.cookieName}=`)) this.cookie = pair;
            }
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              setCookie,
              location: res.headers.location,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
