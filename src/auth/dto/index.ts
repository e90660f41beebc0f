export { SignInDto } from './sign-in.dto.js';
export { RegisterDto } from './register.dto.js';
export { VerifyDto } from './verify.dto.js';
export { VerifyLinkDto } from './verify-link.dto.js';
