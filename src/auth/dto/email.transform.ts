import { domainToASCII } from 'node:url';
import { Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, MaxLength } from 'class-validator';

/**
 * A "valid email address" of the WHATWG HTML standard (§4.10.5.1.5, what a browser's
 * `type=email` field accepts): an ASCII local part without quotes, and a domain of LDH labels
 * (an internationalised domain is checked in its punycode form). The local part is also held to
 * 64 octets (RFC 5321 §4.5.3.1.1), which mail servers enforce with a permanent refusal.
 */
export const WHATWG_EMAIL =
  /^(?=[^@]{1,64}@)[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/**
 * One spelling per mailbox, so limits and accounts cannot be split: trimmed, Unicode NFC, lower case,
 * and an internationalised domain in its ASCII (punycode) form.
 */
export function normalizeEmail(raw: string): string {
  const trimmed = raw.trim();
  // A local part must be ASCII as typed (WHATWG). NFC and lower-casing would turn some non-ASCII
  // letters into ASCII ones (the Kelvin sign U+212A into K, then k): such a local part is left as
  // typed, so the address check refuses it as a browser's email field does.
  const typedAt = trimmed.lastIndexOf('@');
  if (/[^ -~]/.test(typedAt < 0 ? trimmed : trimmed.slice(0, typedAt))) return trimmed;
  const email = trimmed.normalize('NFC').toLowerCase();
  const at = email.lastIndexOf('@');
  if (at < 1) return email;
  const domain = domainToASCII(email.slice(at + 1));
  return domain ? `${email.slice(0, at + 1)}${domain}` : email;
}

/**
 * `raw` normalised (see {@link normalizeEmail}) when it is an address an {@link EmailField} takes,
 * else undefined: for input that does not come through a DTO (a command line).
 */
export function parseEmail(raw: string): string | undefined {
  if (/[\r\n]/.test(raw)) return undefined;
  const email = normalizeEmail(raw);
  return email.length <= 254 && WHATWG_EMAIL.test(email) ? email : undefined;
}

/**
 * An email field: normalised (see {@link normalizeEmail}), at most 254 characters, a WHATWG valid
 * email address ({@link WHATWG_EMAIL}), and refused when it holds CR or LF anywhere (header
 * injection), which trimming must not hide.
 */
export const EmailField = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && !/[\r\n]/.test(value) ? normalizeEmail(value) : value,
    ),
    IsString({ message: 'email must be a single string' }),
    Matches(/^[^\r\n]*$/, { message: 'email must not contain line breaks' }),
    MaxLength(254),
    Matches(WHATWG_EMAIL, { message: 'email must be an email address' }),
  );
