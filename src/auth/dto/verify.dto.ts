import { Transform } from 'class-transformer';
import { IsString, Length, Matches, MaxLength } from 'class-validator';
import { OptionalField } from '../../http/index.js';

/**
 * `POST /verify`: exactly one of `code` (an emailed code or an authenticator app's, as digits;
 * spaces and dashes from a paste are dropped) and `recoveryCode` (at a second-factor step).
 */
export class VerifyDto {
  @OptionalField()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') : value))
  @IsString({ message: 'code must be a string of digits' })
  @Matches(/^\d+$/, { message: 'code must be a string of digits' })
  @Length(4, 10, { message: 'code must be 4 to 10 digits' })
  code?: string;

  @OptionalField()
  @IsString({ message: 'recoveryCode must be a string' })
  @Length(1, 64, { message: 'recoveryCode must be 1 to 64 characters' })
  @MaxLength(64)
  recoveryCode?: string;
}
