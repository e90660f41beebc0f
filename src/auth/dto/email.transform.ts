import { Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';

/**
 * An email field: trimmed and lower-cased, at most 254 characters, and refused when it holds
 * CR or LF anywhere (header injection), which trimming must not hide.
 */
export const EmailField = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && !/[\r\n]/.test(value) ? value.trim().toLowerCase() : value,
    ),
    IsString({ message: 'email must be a single string' }),
    Matches(/^[^\r\n]*$/, { message: 'email must not contain line breaks' }),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email address' }),
  );
