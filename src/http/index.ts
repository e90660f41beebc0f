export { FormPage } from './form-page.decorator.js';
export { FormPageInterceptor } from './form-page.interceptor.js';
export { wantsJson, reply, isRead, JsonOnly, JSON_ONLY } from './negotiation.js';
export { createValidationPipe, OptionalField, StrictValidationPipe } from './validation.pipe.js';
export { EmptyBody } from './empty-body.dto.js';
export * from './http.errors.js';
