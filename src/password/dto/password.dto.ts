import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { EmailField } from '../../auth/dto/email.transform.js';

/** `POST /password/forgot`: the account's email. */
export class ForgotPasswordDto {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.com' })
  @EmailField()
  email: string;
}

/** `POST /password/reset`: the mailed code and the new password. */
export class ResetPasswordDto {
  @ApiProperty({ description: 'The code from the reset mail (digits; spaces and dashes dropped)', example: '123456' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '') : value))
  @IsString({ message: 'code must be a string of digits' })
  @Matches(/^\d+$/, { message: 'code must be a string of digits' })
  @Length(4, 10, { message: 'code must be 4 to 10 digits' })
  code: string;

  @ApiProperty({ description: 'The new password: 8 to 256 characters, not a common one', minLength: 8, maxLength: 256 })
  @IsString({ message: 'password must be a single string' })
  @Length(1, 1024, { message: 'password must be 8 to 256 characters' })
  password: string;
}

/** `POST /account/password`: the current password and the new one. */
export class ChangePasswordDto {
  @ApiProperty({ minLength: 1, maxLength: 256 })
  @IsString({ message: 'currentPassword must be a single string' })
  @Length(1, 256, { message: 'currentPassword must be 1 to 256 characters' })
  currentPassword: string;

  @ApiProperty({ description: '8 to 256 characters, not a common one', minLength: 8, maxLength: 256 })
  @IsString({ message: 'newPassword must be a single string' })
  @Length(1, 1024, { message: 'newPassword must be 8 to 256 characters' })
  newPassword: string;
}
