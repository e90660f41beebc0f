import { domainToASCII } from 'node:url';
import { Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';

/**
 * One spelling per mailbox, so limits and accounts cannot be split: trimmed, Unicode NFC, lower case,
 * and an internationalised domain in its ASCII (punycode) form.
 */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().normalize('NFC').toLowerCase();
  const at = email.lastIndexOf('@');
  if (at < 1) return email;
  const domain = domainToASCII(email.slice(at + 1));
  return domain ? `${email.slice(0, at + 1)}${domain}` : email;
}

/**
 * An email field: trimmed and lower-cased, at most 254 characters, and refused when it holds
 * CR or LF anywhere (header injection), which trimming must not hide.
 */
export const EmailField = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && !/[\r\n]/.test(value) ? normalizeEmail(value) : value,
    ),
    IsString({ message: 'email must be a single string' }),
    Matches(/^[^\r\n]*$/, { message: 'email must not contain line breaks' }),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email address' }),
  );
