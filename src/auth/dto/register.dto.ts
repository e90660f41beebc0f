import { IsString, Length } from 'class-validator';
import { EmailField } from './email.transform.js';

/** `POST /register`: a new account's email and password. */
export class RegisterDto {
  @EmailField()
  email: string;

  @IsString({ message: 'password must be a single string' })
  @Length(8, 256, { message: 'password must be 8 to 256 characters' })
  password: string;
}
