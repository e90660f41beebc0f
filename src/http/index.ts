export { WebModule } from './web.module.js';
export { PageRenderer, type PageContext } from './page.renderer.js';
export { AppExceptionFilter, type ErrorAnswer } from './app-exception.filter.js';
export { FormPage } from './form-page.decorator.js';
export { FormPageInterceptor } from './form-page.interceptor.js';
export { wantsJson, reply, JsonOnly, JSON_ONLY } from './negotiation.js';
export { createValidationPipe } from './validation.pipe.js';
export * from './http.errors.js';
