import { type ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage, ValidateIf, type ValidationOptions } from 'class-validator';
import { REPEATED_FIELDS, ValidationFailedError } from './http.errors.js';

type Detail = { field: string; problems: string[] };

function flatten(errors: ValidationError[], parent = ''): Detail[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The problem of a body field the route does not take (`<field> is not a field of this request`). */
export const NOT_A_FIELD = 'is not a field of this request';
/**
 * A field that may be left out, but is validated whenever it is present: unlike `@IsOptional()`,
 * which also skips every check for `null`, a `null` here fails the field's other rules (400).
 */
export const OptionalField = (options?: ValidationOptions) =>
  ValidateIf((_o: object, v: unknown) => v !== undefined, options);

/**
 * Strict DTO validation of request bodies:
 * - the body must be a JSON object or a form (an array, `null` or a scalar is a 400), and no field
 *   may be repeated (see {@link REPEATED_FIELDS});
 * - every key of the body as it arrived must be a field of the DTO, whatever its name. The check
 *   runs on the raw body, before class-transformer, which silently drops keys named like
 *   `Object.prototype` members (`toString`, `constructor`, `__proto__`, ...);
 * - values are never converted implicitly, and failures become {@link ValidationFailedError}.
 * A DTO with no fields (e.g. `EmptyBody`) accepts only an empty body.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  private readonly fieldsOf = new WeakMap<object, Set<string>>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (metadata.type !== 'body' || !type || !this.toValidate(metadata)) return super.transform(value, metadata);
    if (value === undefined) value = {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ValidationFailedError([{ field: 'body', problems: ['the body must be a JSON object or a form'] }]);
    }
    const repeated = (value as { [REPEATED_FIELDS]?: string[] })[REPEATED_FIELDS];
    if (repeated?.length) {
      throw new ValidationFailedError(repeated.map((field) => ({ field, problems: [`${field} is repeated`] })));
    }
    const fields = this.fields(type);
    const unknown = Object.keys(value).filter((k) => !fields.has(k));
    if (unknown.length) {
      throw new ValidationFailedError(unknown.map((field) => ({ field, problems: [`${field} ${NOT_A_FIELD}`] })));
    }
    // Nothing to validate (and class-validator refuses a class without rules): a fresh instance.
    if (fields.size === 0) return new (type as new () => object)();
    return super.transform(value, metadata);
  }

  /** The DTO's declared fields: every property that carries a class-validator rule. */
  protected fields(type: object): Set<string> {
    let fields = this.fieldsOf.get(type);
    if (!fields) {
      const rules = getMetadataStorage().getTargetValidationMetadatas(type as () => void, '', true, false);
      fields = new Set(rules.map((r) => r.propertyName));
      this.fieldsOf.set(type, fields);
    }
    return fields;
  }
}

/** The app-wide validation pipe (see {@link StrictValidationPipe}). */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe();
}
