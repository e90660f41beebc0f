import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** `POST /verify/link`: the token of the sign-in mail's link (`<challenge id>.<secret>`, base64url). */
export class VerifyLinkDto {
  @ApiProperty({
    description: "The `t` parameter of the sign-in mail's link",
    example: 'Qm9yZWFsaXMtY2hhbGxlbmdlaWQ.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA',
    maxLength: 200,
  })
  @IsString({ message: 'token must be a string' })
  @Length(1, 200, { message: 'token must be 1 to 200 characters' })
  @Matches(/^[\w-]+\.[\w-]+$/, { message: 'token is not a sign-in link token' })
  token: string;
}
