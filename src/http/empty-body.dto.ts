import { ApiSchema } from '@nestjs/swagger';

/**
 * The body of a route that takes no fields (`POST /verify/resend`, `POST /logout`): with
 * {@link StrictValidationPipe}, any field sent to it, whatever its name, is a 400.
 */
@ApiSchema({ description: 'No fields: send no body, or `{}`. Any field is a 400 `validation_failed`.' })
export class EmptyBody {}
