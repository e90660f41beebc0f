import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsString, Length, Matches, MaxLength } from 'class-validator';
import { OptionalField } from '../../http/index.js';

/**
 * `POST /verify`: exactly one answer: `code` (an emailed code or an authenticator app's, as digits;
 * spaces and dashes from a paste are dropped), `recoveryCode` (at a second-factor step), or
 * `factor` with `answer` (any second factor offered, a host app's own included).
 */
export class VerifyDto {
  @ApiPropertyOptional({
    description:
      "The emailed code (`OTP_LENGTH` digits, 6 by default) or the authenticator app's (6 digits), as a string; spaces and dashes from a paste are dropped",
    type: 'string',
    example: '123456',
  })
  @OptionalField()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') : value))
  @IsString({ message: 'code must be a string of digits' })
  @Matches(/^\d+$/, { message: 'code must be a string of digits' })
  @Length(4, 10, { message: 'code must be 4 to 10 digits' })
  code?: string;

  @ApiPropertyOptional({
    description:
      'A recovery code (`xxxxx-xxxxx`), at a second-factor step that offers `recovery_code`; case, spaces and dashes do not matter',
    type: 'string',
    minLength: 1,
    maxLength: 64,
    example: 'k3m9p-x2q7w',
  })
  @OptionalField()
  @IsString({ message: 'recoveryCode must be a string' })
  @Length(1, 64, { message: 'recoveryCode must be 1 to 64 characters' })
  @MaxLength(64)
  recoveryCode?: string;

  @ApiPropertyOptional({
    description:
      "With `answer`: the id of a second factor offered at this step (e.g. a host app's own factor), for factors without a field of their own",
    type: 'string',
    maxLength: 32,
    example: 'totp',
  })
  @OptionalField()
  @IsString({ message: 'factor must be a factor id' })
  @Matches(/^[a-z][a-z0-9_]{0,31}$/, { message: 'factor must be a factor id' })
  factor?: string;

  @ApiPropertyOptional({
    description: 'With `factor`: the answer to that factor',
    type: 'string',
    maxLength: 512,
    example: '123456',
  })
  @OptionalField()
  @IsString({ message: 'answer must be a string' })
  @Length(1, 512, { message: 'answer must be 1 to 512 characters' })
  answer?: string;

  @ApiPropertyOptional({
    description:
      'At a second-factor step: remember this browser, which then skips the second factor for `REMEMBER_DEVICE_DAYS` (a form sends `on`)',
    type: 'boolean',
    example: false,
  })
  @OptionalField()
  @Transform(({ value }: { value: unknown }) =>
    value === 'on' || value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'remember must be true or false' })
  remember?: boolean;
}
