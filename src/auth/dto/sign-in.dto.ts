import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OptionalField } from '../../http/index.js';
import { EmailField } from './email.transform.js';

/** `POST /auth`: `{ email }` in email mode, `{ email, password }` in password mode. */
export class SignInDto {
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

  @ApiPropertyOptional({
    description:
      'Password mode (`AUTH_FIRST_FACTOR=password`): required. Email mode: leave it out (a 400 otherwise). Never `null`',
    type: 'string',
    format: 'password',
    minLength: 8,
    maxLength: 256,
    example: 'correct horse battery staple',
  })
  @OptionalField()
  @IsString({ message: 'password must be a single string' })
  @Length(8, 256, { message: 'password must be 8 to 256 characters' })
  password?: string;
}
