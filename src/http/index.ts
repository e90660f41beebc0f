export { FormPage } from './form-page.decorator.js';
export { FormPageInterceptor } from './form-page.interceptor.js';
export { wantsJson, reply, isRead, JsonOnly, JSON_ONLY, AcceptLanguages } from './negotiation.js';
export { Public, IS_PUBLIC } from './public.decorator.js';
export { createValidationPipe, OptionalField, StrictValidationPipe } from './validation.pipe.js';
export { EmptyBody } from './empty-body.dto.js';
export * from './http.errors.js';
export { jsonBodyParser, formBodyParser, utf8BodiesOnly, declaredCharset } from './body.parsers.js';
export { clientInfo, deviceName, ipPrefix, type ClientInfo } from './client-info.js';
