import { ApiSchema } from '@nestjs/swagger';

/**
 * The body of a route that takes no fields (`POST /verify/resend`, `POST /logout`,
 * `DELETE /account/sessions/:id`): with {@link StrictValidationPipe}, any field sent to it, whatever
 * its name, is a 400. Every route that reads a body (any method but GET, HEAD and OPTIONS) names a
 * DTO with `@Body()`, this one when it takes nothing: a handler without one would never see what
 * was sent, so nothing would refuse it.
 */
@ApiSchema({ description: 'No fields: send no body, or `{}`. Any field is a 400 `validation_failed`.' })
export class EmptyBody {}
