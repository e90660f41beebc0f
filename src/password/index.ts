export { PasswordModule } from './password.module.js';
export { PasswordResetService, type ResetCodeSent } from './password.service.js';
export { PasswordEvents, type PasswordEvent } from './password.events.js';
