import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';

/** `POST /verify`: the code, as a string of digits (spaces and dashes from a paste are dropped). */
export class VerifyDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') : value))
  @IsString({ message: 'code must be a string of digits' })
  @Matches(/^\d+$/, { message: 'code must be a string of digits' })
  @Length(4, 10, { message: 'code must be 4 to 10 digits' })
  code: string;
}
