import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';

/** `POST /account/totp/confirm`: the first code of the new authenticator (6 digits; spaces and dashes dropped). */
export class TotpConfirmDto {
  @ApiProperty({
    description: 'The code the new authenticator app shows now: 6 digits; spaces and dashes are dropped',
    type: 'string',
    example: '123456',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') : value))
  @IsString({ message: 'code must be 6 digits' })
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;
}
