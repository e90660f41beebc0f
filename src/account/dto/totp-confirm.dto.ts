import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';

/** `POST /account/totp/confirm`: the first code of the new authenticator (6 digits; spaces and dashes dropped). */
export class TotpConfirmDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') : value))
  @IsString({ message: 'code must be 6 digits' })
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;
}
