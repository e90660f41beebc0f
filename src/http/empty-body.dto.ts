/**
 * The body of a route that takes no fields (`POST /verify/resend`, `POST /logout`): with
 * {@link StrictValidationPipe}, any field sent to it, whatever its name, is a 400.
 */
export class EmptyBody {}
