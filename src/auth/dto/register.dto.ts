import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { EmailField } from './email.transform.js';

/** `POST /register`: a new account's email and password. */
export class RegisterDto {
  @ApiProperty({
    description:
      "A valid email address as a browser's `type=email` field takes it, at most 254 characters; it is trimmed, lower-cased and its domain put in punycode before use",
    type: 'string',
    format: 'email',
    maxLength: 254,
    example: 'ada@example.com',
  })
  @EmailField()
  email: string;

  @ApiProperty({
    description: 'The new password',
    type: 'string',
    format: 'password',
    minLength: 8,
    maxLength: 256,
    example: 'correct horse battery staple',
  })
  @IsString({ message: 'password must be a single string' })
  @Length(8, 256, { message: 'password must be 8 to 256 characters' })
  password: string;
}
