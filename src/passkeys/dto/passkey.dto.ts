import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsString, Length, Matches } from 'class-validator';
import { OptionalField } from '../../http/index.js';
import { PASSKEY_NAME_MAX } from '../passkey.types.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
// One line of printable text: no control characters (a name shows in pages and mails).
const ONE_LINE = /^[^\p{Cc}\p{Zl}\p{Zp}]*$/u;

/** `POST /passkey/verify`: the assertion the browser made. */
export class PasskeyAssertionDto {
  @ApiProperty({
    description:
      "The assertion as `PublicKeyCredential.toJSON()` (or `@simplewebauthn/browser`'s `startAuthentication`) gives it: `id`, `rawId`, `type`, `response` (`clientDataJSON`, `authenticatorData`, `signature`, `userHandle`), `clientExtensionResults`",
    type: 'object',
    additionalProperties: true,
  })
  @IsObject({ message: 'response must be the JSON of a WebAuthn credential' })
  response: Record<string, unknown>;
}

/** `POST /account/passkeys`: the new credential, and a name for it. */
export class AddPasskeyDto {
  @ApiProperty({
    description:
      'The new credential as `PublicKeyCredential.toJSON()` (or `startRegistration`) gives it: `id`, `rawId`, `type`, `response` (`clientDataJSON`, `attestationObject`, `transports`), `clientExtensionResults`',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject({ message: 'response must be the JSON of a WebAuthn credential' })
  response: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'A name for it (default: the browser, e.g. `Chrome on Linux`)',
    minLength: 1,
    maxLength: PASSKEY_NAME_MAX,
    example: 'Work laptop',
  })
  @OptionalField()
  @Transform(trim)
  @IsString({ message: 'name must be a string' })
  @Length(1, PASSKEY_NAME_MAX, { message: `name must be 1 to ${PASSKEY_NAME_MAX} characters` })
  @Matches(ONE_LINE, { message: 'name must be one line of text' })
  name?: string;
}

/** `PATCH /account/passkeys/:id`: its new name. */
export class RenamePasskeyDto {
  @ApiProperty({ minLength: 1, maxLength: PASSKEY_NAME_MAX, example: 'Work laptop' })
  @Transform(trim)
  @IsString({ message: 'name must be a string' })
  @Length(1, PASSKEY_NAME_MAX, { message: `name must be 1 to ${PASSKEY_NAME_MAX} characters` })
  @Matches(ONE_LINE, { message: 'name must be one line of text' })
  name: string;
}
