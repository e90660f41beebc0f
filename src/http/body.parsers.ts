import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { raw } from 'express';
import { MalformedBodyError, PayloadTooLargeError, REPEATED_FIELDS, UnsupportedMediaTypeError } from './http.errors.js';
import { findDuplicateKeys } from './json-duplicates.js';

const JSON_TYPE = /^application\/json\s*(;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * The charset a `Content-Type` declares, lower-cased, or undefined when it names none.
 * Quoted values (`charset="utf-8"`) are unquoted.
 */
export function declaredCharset(contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
  return m ? m[2].toLowerCase() : undefined;
}

/**
 * Refuses, with 415, any request body declared in a charset other than UTF-8, before it is read.
 * JSON is UTF-8 only (RFC 8259 §8.1); forms are held to the same rule so that every check sees the
 * text a browser meant. A body without a declared charset is read as UTF-8.
 */
export function utf8BodiesOnly(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const charset = declaredCharset(req.headers['content-type'] ?? '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return next(new UnsupportedMediaTypeError('Send the body in UTF-8 (charset=utf-8), or declare no charset'));
    }
    next();
  };
}

/**
 * Parses `application/json` bodies (after {@link utf8BodiesOnly}). The bytes are decoded once,
 * strictly (invalid UTF-8 is a 400, a leading byte-order mark is dropped), and that one string is
 * both scanned for repeated keys (noted under {@link REPEATED_FIELDS}, which validation refuses) and parsed, so
 * no check can see another text than the parser. Bodies over `limit` get 413 from the raw reader.
 */
export function jsonBodyParser(options: { limit: string }): RequestHandler {
  const read = raw({ type: (req) => JSON_TYPE.test(req.headers['content-type'] ?? ''), limit: options.limit });
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return next();
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      const bytes: unknown = req.body;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
        // No body at all: the handler sees an empty object, as with express.json.
        req.body = {};
        return next();
      }
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        return next(new MalformedBodyError('it is not valid UTF-8'));
      }
      try {
        req.body = JSON.parse(text) as unknown;
      } catch {
        return next(new MalformedBodyError('it is not valid JSON'));
      }
      noteRepeated(req.body, findDuplicateKeys(text));
      next();
    });
  };
}

/**
 * Parses `application/x-www-form-urlencoded` bodies (after {@link utf8BodiesOnly}) with the URL
 * standard's parser, into an object without a prototype that keeps every name as sent: unlike
 * `qs`, it drops none (`__proto__` included), so the unknown-field check sees them all. A repeated
 * name is noted under {@link REPEATED_FIELDS} (validation refuses it) and its first value kept. More than
 * `parameterLimit` fields, or a body over `limit`, is a 413.
 */
export function formBodyParser(options: { limit: string; parameterLimit: number }): RequestHandler {
  const read = raw({ type: (req) => FORM_TYPE.test(req.headers['content-type'] ?? ''), limit: options.limit });
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!FORM_TYPE.test(req.headers['content-type'] ?? '')) return next();
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      const bytes: unknown = req.body;
      const fields = Object.create(null) as Record<string, string>;
      req.body = fields;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) return next();
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        return next(new MalformedBodyError('it is not valid UTF-8'));
      }
      const params = new URLSearchParams(text);
      let count = 0;
      const repeated: string[] = [];
      for (const [name, value] of params) {
        if (++count > options.parameterLimit) return next(new PayloadTooLargeError('The form has too many fields'));
        if (Object.hasOwn(fields, name)) {
          if (!repeated.includes(name)) repeated.push(name);
          continue;
        }
        fields[name] = value;
      }
      noteRepeated(fields, repeated);
      next();
    });
  };
}

/**
 * {@link utf8BodiesOnly}, {@link jsonBodyParser} and {@link formBodyParser} in one middleware, which
 * a request that sends no body by its method (GET, HEAD, OPTIONS) passes at once: page views run
 * no body reader at all.
 */
export function bodyReaders(options: { limit: string; parameterLimit: number }): RequestHandler {
  const readers = [utf8BodiesOnly(), jsonBodyParser(options), formBodyParser(options)];
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    let i = 0;
    const step = (err?: unknown): void => {
      if (err || i === readers.length) return next(err);
      readers[i++](req, res, step);
    };
    step();
  };
}

function noteRepeated(body: unknown, repeated: string[]): void {
  if (repeated.length && typeof body === 'object' && body !== null) {
    Object.defineProperty(body, REPEATED_FIELDS, { value: repeated, enumerable: false });
  }
}
