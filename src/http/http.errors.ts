/**
 * Where the body parsers note the fields a body repeated (`a.b` paths), on the parsed body itself
 * (non-enumerable): `JSON.parse` and a form parser would silently keep one value, so validation
 * refuses them instead.
 */
export const REPEATED_FIELDS = Symbol('repeatedFields');

/** The request body does not fit the contract; `details` lists each field's problems. */
export class ValidationFailedError extends Error {
  override name = 'ValidationFailedError';
  constructor(
    readonly details: { field: string; problems: string[] }[],
    message = 'Some fields are not valid',
  ) {
    super(message);
  }
}

/** A body that cannot be read: not valid UTF-8, or not well-formed JSON (400 `bad_request`). */
export class MalformedBodyError extends Error {
  override name = 'MalformedBodyError';
  constructor(reason: string) {
    super(`The request body could not be read: ${reason}`);
  }
}

/** A body larger than the route takes (413 `payload_too_large`). */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
  constructor(message = 'The request body is too large') {
    super(message);
  }
}

/** A POST whose body is neither JSON nor a URL-encoded form. */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError';
  constructor(message = 'Send application/json or application/x-www-form-urlencoded') {
    super(message);
  }
}

/** The server has more of some costly work queued than it will take on (503, try again shortly). */
export class ServerBusyError extends Error {
  override name = 'ServerBusyError';
  constructor() {
    super('The service is busy; try again shortly');
  }
}
