import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { ValidationFailedError } from '../http/index.js';

// Bounds well above what authenticators send (a credential id is at most 1023 bytes: WebAuthn
// §5.8.3; the whole JSON body is capped at 8 KiB before this), so a real response always fits.
const B64URL = /^[A-Za-z0-9_-]*$/;
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(problem: string): ValidationFailedError {
  return new ValidationFailedError([{ field: 'response', problems: [problem] }]);
}

function b64url(obj: Json, name: string, max: number, path: string, optional = false): string | undefined {
  const v = obj[name];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max || !B64URL.test(v)) {
    throw invalid(`${path}${name} must be base64url text of at most ${max} characters`);
  }
  return v;
}

/** The fields every WebAuthn credential JSON has (W3C WebAuthn L3 §5.1 `toJSON()`). */
function credentialBase(v: unknown): { top: Json; inner: Json; id: string } {
  if (!isObject(v)) throw invalid('response must be the JSON of a WebAuthn credential');
  const id = b64url(v, 'id', 1400, '')!;
  if (v.rawId !== id) throw invalid('response.rawId must equal response.id');
  if (v.type !== 'public-key') throw invalid('response.type must be "public-key"');
  if (!isObject(v.response)) throw invalid('response.response must be an object');
  if (v.clientExtensionResults !== undefined && !isObject(v.clientExtensionResults)) {
    throw invalid('response.clientExtensionResults must be an object');
  }
  const attachment = v.authenticatorAttachment;
  if (attachment !== undefined && attachment !== null && attachment !== 'platform' && attachment !== 'cross-platform') {
    throw invalid('response.authenticatorAttachment must be "platform" or "cross-platform"');
  }
  return { top: v, inner: v.response, id };
}

/**
 * The `response` of `POST /passkey/verify`: an assertion as `PublicKeyCredential.toJSON()` (or
 * `@simplewebauthn/browser`'s `startAuthentication`) gives it.
 * @throws ValidationFailedError (400) naming what is missing or malformed.
 */
export function readAuthenticationResponse(v: unknown): AuthenticationResponseJSON {
  const { top, inner, id } = credentialBase(v);
  const userHandle =
    inner.userHandle === null ? undefined : b64url(inner, 'userHandle', 128, 'response.response.', true);
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: b64url(inner, 'clientDataJSON', 4096, 'response.response.')!,
      authenticatorData: b64url(inner, 'authenticatorData', 4096, 'response.response.')!,
      signature: b64url(inner, 'signature', 1024, 'response.response.')!,
      ...(userHandle ? { userHandle } : {}),
    },
    clientExtensionResults: top.clientExtensionResults ?? {},
    ...(typeof top.authenticatorAttachment === 'string'
      ? { authenticatorAttachment: top.authenticatorAttachment as 'platform' | 'cross-platform' }
      : {}),
  };
}

/**
 * The `response` of `POST /account/passkeys`: a new credential as `PublicKeyCredential.toJSON()`
 * (or `startRegistration`) gives it. Unknown transports are dropped (browsers add new ones).
 * @throws ValidationFailedError (400) naming what is missing or malformed.
 */
export function readRegistrationResponse(v: unknown): RegistrationResponseJSON {
  const { top, inner, id } = credentialBase(v);
  const transports = inner.transports;
  if (transports !== undefined && (!Array.isArray(transports) || transports.length > 16)) {
    throw invalid('response.response.transports must be a list of transports');
  }
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: b64url(inner, 'clientDataJSON', 4096, 'response.response.')!,
      attestationObject: b64url(inner, 'attestationObject', 6144, 'response.response.')!,
      transports: (transports ?? []).filter(
        (t): t is NonNullable<RegistrationResponseJSON['response']['transports']>[number] =>
          typeof t === 'string' && TRANSPORTS.has(t),
      ),
    },
    clientExtensionResults: top.clientExtensionResults ?? {},
    ...(typeof top.authenticatorAttachment === 'string'
      ? { authenticatorAttachment: top.authenticatorAttachment as 'platform' | 'cross-platform' }
      : {}),
  };
}

/**
 * The challenge a response answers (`challenge` of its client data), or undefined when the client
 * data cannot be read. Only used to find the stored challenge: the signature check verifies it.
 */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const c = isObject(data) ? data.challenge : undefined;
    return typeof c === 'string' && c.length > 0 && c.length <= 128 && B64URL.test(c) ? c : undefined;
  } catch {
    return undefined;
  }
}
