import { Injectable } from '@nestjs/common';

/** Checks one field of a stored session record; true when the value may be used. */
export type FieldCheck = (value: unknown) => boolean;

/**
 * The fields features keep in the session, and how each must look. A feature registers its own
 * (auth registers `user`, `pending` and `returnTo`) when its module starts; the store then refuses
 * any record in which a registered field is present with another shape (see `isSessionRecord`).
 * Fields nobody registered (a host app's own data) are left alone.
 */
@Injectable()
export class SessionFields {
  private readonly checks = new Map<string, FieldCheck>();
  private owner?: (record: Record<string, unknown>) => string | undefined;

  /** Registers the check of field `name`. @throws Error when another check holds the name. */
  register(name: string, check: FieldCheck): void {
    const existing = this.checks.get(name);
    if (existing && existing !== check)
      throw new Error(`SessionFields: the session field "${name}" is registered twice`);
    this.checks.set(name, check);
  }

  /**
   * Names whose session a record is (e.g. the signed-in account's email), so the store can keep a
   * per-owner index of live sessions (listed and ended with `SessionService`). One feature sets it.
   */
  setOwner(ownerOf: (record: Record<string, unknown>) => string | undefined): void {
    this.owner = ownerOf;
  }

  /** The owner of a record, or undefined (not signed in, or no feature set an owner). */
  ownerOf(record: object): string | undefined {
    return this.owner?.(record as Record<string, unknown>);
  }

  /** True when every registered field present in `record` passes its check. */
  accept(record: Record<string, unknown>): boolean {
    for (const [name, check] of this.checks) {
      if (record[name] !== undefined && !check(record[name])) return false;
    }
    return true;
  }
}
