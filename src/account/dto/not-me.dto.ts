import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** `POST /account/not-me`: the token of a security notice's "this wasn't me" link. */
export class NotMeDto {
  @ApiProperty({ description: 'The `t` of the link', maxLength: 200 })
  @IsString({ message: 'token must be a string' })
  @Length(1, 200, { message: 'token must be 1 to 200 characters' })
  token: string;
}
