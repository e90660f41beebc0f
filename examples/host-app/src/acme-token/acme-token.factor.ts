import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type FactorCheck, FactorRegistry, SecondFactor } from 'nest-mfa-signin';
import { AcmeTokens } from './acme-tokens.js';

/**
 * Acme's hardware token as a second factor of the sign-in flow: an account holding a token must
 * give its 8-digit code at every sign-in and step-up, as `POST /verify` with
 * `{ "factor": "acme_token", "answer": "12345678" }`. It has no body field of its own, so it lives
 * beside `TotpModule`, which answers in `code`. The flow counts wrong answers, locks the
 * identifier and signs the session in; the factor only says whether the account has a token and
 * whether an answer is right.
 */
@Injectable()
export class AcmeTokenFactor extends SecondFactor implements OnModuleInit {
  readonly id = 'acme_token';
  readonly kind = 'primary';
  /** No body field of its own: answered with `{ "factor": "acme_token", "answer": ... }`. */
  readonly field = undefined;
  /** RFC 8176: proof of possession of a hardware key. */
  override readonly amr = ['hwk'];

  constructor(
    private readonly tokens: AcmeTokens,
    private readonly registry: FactorRegistry,
  ) {
    super();
  }

  onModuleInit() {
    this.registry.register(this);
  }

  isWellFormed(answer: string): boolean {
    return /^\d{8}$/.test(answer);
  }

  async isEnrolled(identifier: string): Promise<boolean> {
    return this.tokens.has(identifier);
  }

  async verify(check: FactorCheck, answer: string): Promise<boolean> {
    return this.tokens.consume(check.identifier, answer);
  }
}
