import { Module } from '@nestjs/common';
import { AcmeTokenFactor } from './acme-token.factor.js';
import { AcmeTokens } from './acme-tokens.js';

/**
 * Registers {@link AcmeTokenFactor} with the package's `FactorRegistry` (exported by the global
 * `AuthModule`). Not imported by the host's `AppModule` yet: see "A second factor of your own" in
 * docs/extending.md for what the package does not allow today.
 */
@Module({ providers: [AcmeTokens, AcmeTokenFactor], exports: [AcmeTokens, AcmeTokenFactor] })
export class AcmeTokenModule {}
