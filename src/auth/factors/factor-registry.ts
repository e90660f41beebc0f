import { Injectable } from '@nestjs/common';
import type { FactorId } from '../auth-session.js';
import { SecondFactor } from './second-factor.js';

/**
 * The second factors the server knows, in registration order. Feature modules register theirs
 * when they start (`TotpModule`, `RecoveryCodesModule`); a host app can register its own.
 */
@Injectable()
export class FactorRegistry {
  private readonly factors = new Map<string, SecondFactor>();

  /** Adds a factor. @throws Error when another factor already has its id or field. */
  register(factor: SecondFactor): void {
    const same = this.factors.get(factor.id);
    if (same && same !== factor)
      throw new Error(`FactorRegistry: a second factor "${factor.id}" is already registered`);
    for (const f of this.factors.values()) {
      if (f !== factor && factor.field !== undefined && f.field === factor.field) {
        throw new Error(`FactorRegistry: "${factor.id}" and "${f.id}" both answer in the field "${factor.field}"`);
      }
    }
    this.factors.set(factor.id, factor);
  }

  /** The factor with this id, if registered. */
  get(id: FactorId): SecondFactor | undefined {
    return this.factors.get(id);
  }

  /** The factor answering in `field` among `ids`, if any. */
  byField(field: string, ids: readonly FactorId[]): SecondFactor | undefined {
    return [...this.factors.values()].find((f) => f.field === field && ids.includes(f.id));
  }

  /** Every registered factor. */
  all(): SecondFactor[] {
    return [...this.factors.values()];
  }

  /**
   * The second factors an account must choose from: its primary factors and, beside them, its
   * backup ones; empty when it has no primary factor (then none is required).
   */
  async enrolled(identifier: string): Promise<FactorId[]> {
    const all = [...this.factors.values()];
    const has = await Promise.all(all.map((f) => f.isEnrolled(identifier)));
    const mine = all.filter((_, i) => has[i]);
    if (!mine.some((f) => f.kind === 'primary')) return [];
    return [...mine.filter((f) => f.kind === 'primary'), ...mine.filter((f) => f.kind === 'backup')].map((f) => f.id);
  }
}
