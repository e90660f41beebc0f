import { randomInt, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/**
 * Acme's hardware tokens, as the host's token server sees them: which account holds one, and the
 * one-time 8-digit code it shows now. This stand-in keeps them in memory; the real one asks the
 * token server.
 */
@Injectable()
export class AcmeTokens {
  private readonly current = new Map<string, string>();

  /** Hands `email` a token; returns the code it shows now. */
  issue(email: string): string {
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    this.current.set(email, code);
    return code;
  }

  /** True when `email` holds a token. */
  has(email: string): boolean {
    return this.current.has(email);
  }

  /** True once for the code the token shows; the token then moves on to another code. */
  consume(email: string, code: string): boolean {
    const expected = this.current.get(email);
    if (!expected || expected.length !== code.length) return false;
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(code))) return false;
    this.issue(email);
    return true;
  }
}
