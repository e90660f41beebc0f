import { IsString, Length } from 'class-validator';
import { OptionalField } from '../../http/index.js';
import { EmailField } from './email.transform.js';

/** `POST /auth`: `{ email }` in email mode, `{ email, password }` in password mode. */
export class SignInDto {
  @EmailField()
  email: string;

  @OptionalField()
  @IsString({ message: 'password must be a single string' })
  @Length(8, 256, { message: 'password must be 8 to 256 characters' })
  password?: string;
}
