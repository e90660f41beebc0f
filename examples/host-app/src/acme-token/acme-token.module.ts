import { Module } from '@nestjs/common';
import { AcmeTokenFactor } from './acme-token.factor.js';
import { AcmeTokens } from './acme-tokens.js';

/**
 * Registers {@link AcmeTokenFactor} with the package's `FactorRegistry`, which `AuthModule` exports:
 * `AuthModule` is global here (the default), so this module needs no import of it; beside an
 * `AuthModule` with `isGlobal: false`, import that `AuthModule` here.
 */
@Module({ providers: [AcmeTokens, AcmeTokenFactor], exports: [AcmeTokens] })
export class AcmeTokenModule {}
