export { WebModule } from './web.module.js';
export { PageRenderer, type PageContext } from './page.renderer.js';
export { AppExceptionFilter, type ErrorAnswer } from './app-exception.filter.js';
export { FormPage } from './form-page.decorator.js';
export { FormPageInterceptor } from './form-page.interceptor.js';
export { wantsJson, reply, isRead, JsonOnly, JSON_ONLY } from './negotiation.js';
export { createValidationPipe, OptionalField, StrictValidationPipe } from './validation.pipe.js';
export { EmptyBody } from './empty-body.dto.js';
export * from './http.errors.js';
